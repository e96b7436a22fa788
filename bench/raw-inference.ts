/**
 * The inference limit: ONNX Runtime in-process (onnxruntime-node, the session options Berth uses),
 * one run at a time at batch 1, 2, 4, … — rows/s with no HTTP, no JSON, no queue. Run as a child
 * process by run.ts (`node raw-inference.js '<json settings>'`); prints one JSON line.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';

export interface RawSettings {
  readonly modelPath: string;
  readonly inputName: string;
  readonly features: number;
  readonly batches: readonly number[];
  /** Time spent per batch size (at least 3 runs each). */
  readonly seconds: number;
  readonly threads: { readonly intraOp: number; readonly interOp: number; readonly spinning: boolean };
}

/** One batch size's result. */
export interface RawPoint {
  readonly batch: number;
  readonly runs: number;
  readonly msPerRun: number;
  readonly rowsPerS: number;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as RawSettings;
  const { intraOp, interOp, spinning } = settings.threads;
  const spin = spinning ? '1' : '0';
  // The same options as src/runtime/onnx/onnx-runtime.ts sessionOptions (0 keeps ONNX Runtime's default).
  const session = await InferenceSession.create(settings.modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(intraOp > 0 ? { intraOpNumThreads: intraOp } : {}),
    ...(interOp > 0 ? { interOpNumThreads: interOp } : {}),
    extra: { 'session.intra_op.allow_spinning': spin, 'session.inter_op.allow_spinning': spin },
  });
  const points: RawPoint[] = [];
  for (const batch of settings.batches) {
    const data = new Float32Array(batch * settings.features);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 10000) / 10000;
    const feeds = { [settings.inputName]: new Tensor('float32', data, [batch, settings.features]) };
    await session.run(feeds);
    await session.run(feeds);
    let runs = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(Math.round(settings.seconds * 1e9));
    while (runs < 3 || process.hrtime.bigint() - start < budget) {
      await session.run(feeds);
      runs++;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    points.push({ batch, runs, msPerRun: (seconds / runs) * 1000, rowsPerS: (batch * runs) / seconds });
  }
  await session.release();
  process.stdout.write(`${JSON.stringify({ points })}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
