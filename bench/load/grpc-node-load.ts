/**
 * A gRPC load generator in Node, used when ghz is not installed: `connections` concurrent unary
 * ModelInfer calls spread over a few channels, each call sent as soon as the previous one on its
 * slot answered, for a fixed time. Run as a child process (`node grpc-node-load.js '<json spec>'`,
 * spec plus "channels"); prints "BENCH_RESULT {...}".
 */
import { readFileSync } from 'node:fs';
import { percentileSorted } from '../lib/stats.js';
import { call, inferenceClient, statusName, type ModelInferRequest } from './grpc-client.js';
import type { GrpcLoadSpec } from './types.js';

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as GrpcLoadSpec & { channels: number };
  const request: ModelInferRequest = {
    model_name: spec.model,
    inputs: [{ name: spec.inputName, datatype: 'FP32', shape: spec.shape }],
    raw_input_contents: [readFileSync(spec.rawFile)],
  };
  const clients = Array.from({ length: Math.max(1, spec.channels) }, (_, i) =>
    inferenceClient(spec.address, i),
  );
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses: Record<string, number> = {};
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(spec.durationS * 1e9));
  const timeoutMs = spec.timeoutS * 1000;
  const slot = async (index: number): Promise<void> => {
    const client = clients[index % clients.length];
    if (client === undefined) return;
    while (process.hrtime.bigint() < end) {
      const sent = process.hrtime.bigint();
      let status = 'OK';
      try {
        await call(client.ModelInfer, client, request, timeoutMs);
      } catch (error) {
        status = statusName((error as { code?: number }).code ?? 2);
      }
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 'OK') {
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = Number(process.hrtime.bigint() - sent) / 1e6;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, (_, i) => slot(i)));
  const durationS = Number(process.hrtime.bigint() - start) / 1e9;
  for (const client of clients) client.close();
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const result = {
    durationS,
    statuses,
    latencyMs: {
      p50: percentileSorted(sorted, 50),
      p90: percentileSorted(sorted, 90),
      p99: percentileSorted(sorted, 99),
      max: count > 0 ? sorted[count - 1] : null,
      mean: count > 0 ? sum / count : null,
    },
  };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
});
