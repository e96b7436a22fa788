/**
 * Overload: Berth with a small queue (--max-queue-size) under more connections than it can hold.
 * What should happen: requests beyond the queue get an immediate 503 (+ Retry-After) and none time
 * out. Counts come from the load generator; the latency of 503s and 200s separately comes from a
 * light probe sending one request every 100 ms alongside the load.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { measureConnections, summarize, type CaseSummary, type RunResult } from './cases.js';
import { percentileSorted } from './lib/stats.js';
import { berthTarget } from './targets/berth.js';
import { httpRequestOf, inferUrl } from './targets/probe.js';
import { TargetUnavailable, type RunningTarget, type TargetContext } from './targets/types.js';

export interface ProbeStats {
  readonly count: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** How many of these responses carried Retry-After. */
  readonly retryAfter: number;
}

export interface OverloadResult {
  readonly model: string;
  readonly connections: number;
  readonly queueSize: number;
  readonly status: 'ok' | 'unavailable' | 'failed';
  readonly reason?: string;
  readonly flags: readonly string[];
  readonly runs: readonly RunResult[];
  readonly summary?: CaseSummary;
  /** Responses per status code seen by the load generator (all repeats). */
  readonly statusCounts: Readonly<Record<string, number>>;
  /** Latency per status from the side probe ("timeout" for no answer within the client timeout). */
  readonly probe: Readonly<Record<string, ProbeStats>>;
}

export async function runOverload(ctx: TargetContext): Promise<OverloadResult> {
  const { config } = ctx;
  const flags = ['--batching', '--max-queue-size', String(config.overloadQueueSize)];
  const target = berthTarget({
    id: 'berth-overload',
    label: 'Berth, small queue',
    protocol: 'json',
    flags: () => flags,
  });
  const base = {
    model: ctx.model.name,
    connections: config.overloadConnections,
    queueSize: config.overloadQueueSize,
    flags,
    runs: [],
    statusCounts: {},
    probe: {},
  };
  let running: RunningTarget;
  try {
    running = await target.start(ctx);
  } catch (error) {
    return {
      ...base,
      status: error instanceof TargetUnavailable ? 'unavailable' : 'failed',
      reason: (error as Error).message,
    };
  }
  const samples = new Map<string, { ms: number[]; retryAfter: number }>();
  let probing = true;
  const probeLoop = (async () => {
    const request = httpRequestOf('json', ctx.payloads);
    const url = inferUrl(running.httpUrl, ctx.model.name);
    while (probing) {
      const start = performance.now();
      let key: string;
      let retryAfter = false;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(config.timeoutS * 1000),
        });
        await response.arrayBuffer();
        key = String(response.status);
        retryAfter = response.headers.has('retry-after');
      } catch {
        key = 'timeout';
      }
      const entry = samples.get(key) ?? { ms: [], retryAfter: 0 };
      entry.ms.push(performance.now() - start);
      if (retryAfter) entry.retryAfter++;
      samples.set(key, entry);
      await sleep(100);
    }
  })();
  try {
    const runs = await measureConnections(target, running, ctx, config.overloadConnections, {
      countStatus: true,
      repeats: 1,
    });
    const statusCounts: Record<string, number> = {};
    for (const run of runs)
      for (const [code, count] of Object.entries(run.load.statusCounts ?? {}))
        statusCounts[code] = (statusCounts[code] ?? 0) + count;
    const probe: Record<string, ProbeStats> = {};
    for (const [key, entry] of samples) {
      const sorted = entry.ms.sort((a, b) => a - b);
      probe[key] = {
        count: sorted.length,
        p50Ms: percentileSorted(sorted, 50),
        p99Ms: percentileSorted(sorted, 99),
        maxMs: sorted.at(-1) ?? null,
        retryAfter: entry.retryAfter,
      };
    }
    return { ...base, status: 'ok', runs, summary: summarize(runs, ctx.payloads.rows), statusCounts, probe };
  } catch (error) {
    return { ...base, status: 'failed', reason: (error as Error).message };
  } finally {
    probing = false;
    await probeLoop;
    await running.process.stop();
  }
}
