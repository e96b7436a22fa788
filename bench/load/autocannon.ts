/** HTTP load with autocannon's CLI (the npm devDependency), when wrk is not installed. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { jsonAfter, runToEnd } from '../lib/run-to-end.js';
import type { HttpLoadSpec, LoadResult } from './types.js';

interface AutocannonOutput {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}

export async function runAutocannon(spec: HttpLoadSpec, logFile: string): Promise<LoadResult> {
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');
  const args = [
    cli,
    '-c',
    String(spec.connections),
    '-d',
    String(spec.durationS),
    '-t',
    String(spec.timeoutS),
    '-m',
    'POST',
    '-i',
    spec.bodyFile,
    ...Object.entries(spec.headers).flatMap(([name, value]) => ['-H', `${name}=${value}`]),
    ...(spec.threads > 1 ? ['-w', String(spec.threads)] : []),
    '-j',
    spec.url,
  ];
  const finished = await runToEnd('autocannon', process.execPath, args, {
    timeoutMs: (spec.durationS + spec.timeoutS + 30) * 1000,
    logFile,
  });
  const out = jsonAfter(
    finished.lines.filter((line) => line.startsWith('{')),
    '',
  ) as AutocannonOutput | undefined;
  if (finished.code !== 0 || out === undefined)
    throw new Error(`autocannon failed (${String(finished.code)}): ${finished.lines.slice(-5).join(' | ')}`);
  const answered = out.requests.total;
  const ms = (value: number): number | null => (answered > 0 ? value : null);
  const statusCounts = Object.fromEntries(
    Object.entries(out.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count]),
  );
  return {
    tool: 'autocannon',
    connections: spec.connections,
    durationS: out.duration,
    responses: answered,
    ok: out['2xx'],
    reqPerS: out['2xx'] / out.duration,
    latencyMs: {
      p50: ms(out.latency.p50),
      p90: ms(out.latency.p90),
      p99: ms(out.latency.p99),
      max: ms(out.latency.max),
      mean: ms(out.latency.mean),
    },
    failed: out.non2xx,
    timeouts: out.timeouts,
    socketErrors: Math.max(0, out.errors - out.timeouts),
    statusCounts,
  };
}
