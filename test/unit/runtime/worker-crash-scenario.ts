/**
 * Worker-crash scenarios, run in a child process by worker-execution.test.ts. Killing a worker
 * thread while ONNX Runtime works in it can make onnxruntime-node abort the whole process when it
 * tears down (`terminate called after throwing an instance of 'Napi::Error'`, SIGABRT), after the
 * behaviour under test is over. In a child, that teardown crash cannot take the test file with it;
 * the child prints what happened as one JSON line, and the test asserts on that.
 */
import { BerthError } from '../../../src/core/errors.js';
import { MAX_CONSECUTIVE_CRASHES } from '../../../src/runtime/onnx/worker-pool.js';
import { config, fp32, harness, infer } from './helpers.js';

const [scenario, dir] = process.argv.slice(2) as [string, string];
const { runtime, workers, logs } = harness({ instances: 1 });
const model = await runtime.load(dir, config({ execution: 'worker' }));

async function settle(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    const out = (await promise) as Map<string, { shape: number[] }>;
    return { ok: true, shapes: Object.fromEntries([...out].map(([name, t]) => [name, t.shape])) };
  } catch (error) {
    return error instanceof BerthError
      ? { ok: false, id: error.id, message: error.message }
      : { ok: false, message: String(error) };
  }
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const report: Record<string, unknown> = { scenario };
if (scenario === 'dies-mid-run') {
  // The medium MLP: a batch of 64 outlasts the terminate message.
  const input = fp32(
    'features',
    [64, 512],
    Float32Array.from({ length: 64 * 512 }, (_, i) => Math.sin(i * 0.01)),
  );
  const doomed = infer(model, [input]);
  await workers[0]!.terminate();
  report.doomed = await settle(doomed);
  report.after = await settle(infer(model, [input]));
} else if (scenario === 'crashes-repeatedly') {
  for (let crash = 1; crash <= MAX_CONSECUTIVE_CRASHES + 1; crash++) {
    await until(() => logs.filter((l) => l.msg === 'ONNX Runtime worker restarted').length === crash - 1);
    await workers.at(-1)!.terminate();
  }
  const inputs = [fp32('a', [1, 4], [1, 2, 3, 4]), fp32('b', [1, 4], [1, 2, 3, 4])];
  report.after = await settle(infer(model, inputs));
}
report.workers = workers.length;
report.logs = logs;
process.stdout.write(`${JSON.stringify(report)}\n`);
await model.dispose();
