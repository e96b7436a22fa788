/** HTTP load with wrk (C, one thread by default: the lightest generator for a 2-core machine). */
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';
import { jsonAfter, runToEnd } from '../lib/run-to-end.js';
import type { HttpLoadSpec, LoadResult } from './types.js';

interface WrkOutput {
  requests: number;
  duration_us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number; mean: number };
  status: Record<string, number>;
}

export async function runWrk(spec: HttpLoadSpec, logFile: string): Promise<LoadResult> {
  const threads = Math.max(1, Math.min(spec.threads, spec.connections));
  const args = [
    `-t${threads}`,
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    `--timeout`,
    `${spec.timeoutS}s`,
    '-s',
    join(repoRoot(), 'bench', 'load', 'wrk-post.lua'),
    spec.url,
  ];
  const env = {
    ...process.env,
    BENCH_BODY_FILE: spec.bodyFile,
    BENCH_HEADERS: Object.entries(spec.headers)
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    BENCH_COUNT_STATUS: spec.countStatus ? '1' : '0',
  };
  const finished = await runToEnd('wrk', 'wrk', args, {
    env,
    timeoutMs: (spec.durationS + spec.timeoutS + 30) * 1000,
    logFile,
  });
  const out = jsonAfter(finished.lines, 'BENCH_RESULT ') as WrkOutput | undefined;
  if (finished.code !== 0 || out === undefined)
    throw new Error(`wrk failed (${String(finished.code)}): ${finished.lines.slice(-5).join(' | ')}`);
  const durationS = out.duration_us / 1e6;
  const ok = out.requests - out.errors.status;
  const ms = (us: number): number | null => (out.requests > 0 ? us / 1000 : null);
  return {
    tool: 'wrk',
    connections: spec.connections,
    durationS,
    responses: out.requests,
    ok,
    reqPerS: ok / durationS,
    latencyMs: {
      p50: ms(out.latency_us.p50),
      p90: ms(out.latency_us.p90),
      p99: ms(out.latency_us.p99),
      max: ms(out.latency_us.max),
      mean: ms(out.latency_us.mean),
    },
    failed: out.errors.status,
    timeouts: out.errors.timeout,
    socketErrors: out.errors.connect + out.errors.read + out.errors.write,
    ...(spec.countStatus ? { statusCounts: out.status } : {}),
  };
}
