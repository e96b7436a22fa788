/** Runs grpc-node-load.js as a child process and reads its result. */
import { join } from 'node:path';
import { compiledBenchDir } from '../lib/paths.js';
import { jsonAfter, runToEnd } from '../lib/run-to-end.js';
import type { GrpcLoadSpec, LatencyMs, LoadResult } from './types.js';

export async function runNodeGrpcLoad(
  spec: GrpcLoadSpec,
  channels: number,
  logFile: string,
): Promise<LoadResult> {
  const script = join(compiledBenchDir(), 'load', 'grpc-node-load.js');
  const finished = await runToEnd(
    'grpc-node-load',
    process.execPath,
    [script, JSON.stringify({ ...spec, channels })],
    {
      timeoutMs: (spec.durationS + spec.timeoutS + 30) * 1000,
      logFile,
    },
  );
  const out = jsonAfter(finished.lines, 'BENCH_RESULT ') as
    { durationS: number; statuses: Record<string, number>; latencyMs: LatencyMs } | undefined;
  if (finished.code !== 0 || out === undefined)
    throw new Error(
      `gRPC load loop failed (${String(finished.code)}): ${finished.lines.slice(-5).join(' | ')}`,
    );
  const responses = Object.values(out.statuses).reduce((sum, count) => sum + count, 0);
  const ok = out.statuses.OK ?? 0;
  const timeouts = out.statuses.DEADLINE_EXCEEDED ?? 0;
  return {
    tool: 'node-grpc-loop',
    connections: spec.connections,
    durationS: out.durationS,
    responses,
    ok,
    reqPerS: ok / out.durationS,
    latencyMs: out.latencyMs,
    failed: responses - ok - timeouts,
    timeouts,
    socketErrors: 0,
    statusCounts: out.statuses,
  };
}
