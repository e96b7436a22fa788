/**
 * Measures one target on one model: start it, then for each connection count a warm-up and
 * `repeats` measured windows, each with the server's CPU (its whole process tree) and, for Berth,
 * the mean batch size from /metrics. The target is always stopped, also on failure.
 */
import type { BenchConfig } from './config.js';
import { cpuSecondsSince, cpuSnapshot, machineCpu } from './lib/proc.js';
import { median } from './lib/stats.js';
import type { Tools } from './lib/tools.js';
import { runLoad } from './load/run-load.js';
import type { LoadResult } from './load/types.js';
import { meanBatchBetween } from './report/prom.js';
import {
  TargetUnavailable,
  type Protocol,
  type RunningTarget,
  type Target,
  type TargetContext,
} from './targets/types.js';

/** One measured window. */
export interface RunResult {
  readonly load: LoadResult;
  readonly serverCpuS: number;
  /** Server CPU per answered request, milliseconds. */
  readonly cpuMsPerReq: number | null;
  /** Share of all cores busy during the window (server + load generator + anything else). */
  readonly machineBusy: number;
  readonly meanBatchSize: number | null;
}

/** Medians over the repeats of a case. */
export interface CaseSummary {
  readonly reqPerS: number | null;
  readonly rowsPerS: number | null;
  readonly p50Ms: number | null;
  readonly p90Ms: number | null;
  readonly p99Ms: number | null;
  readonly cpuMsPerReq: number | null;
  readonly machineBusy: number | null;
  readonly meanBatchSize: number | null;
  /** Totals over the repeats. */
  readonly failed: number;
  readonly timeouts: number;
  readonly socketErrors: number;
}

export interface CaseResult {
  readonly model: string;
  readonly target: string;
  readonly label: string;
  readonly group: string;
  readonly protocol: Protocol;
  readonly connections: number;
  readonly rows: number;
  readonly status: 'ok' | 'unavailable' | 'failed';
  readonly reason?: string;
  readonly tool?: string;
  readonly notes: readonly string[];
  readonly runs: readonly RunResult[];
  readonly summary?: CaseSummary;
}

export async function measureTarget(
  target: Target,
  ctx: TargetContext,
  connections: readonly number[],
): Promise<CaseResult[]> {
  const base = {
    model: ctx.model.name,
    target: target.id,
    label: target.label,
    group: target.group,
    protocol: target.protocol,
    rows: ctx.payloads.rows,
  };
  const none = (
    status: 'unavailable' | 'failed',
    reason: string,
    notes: readonly string[] = [],
  ): CaseResult[] => connections.map((c) => ({ ...base, connections: c, status, reason, notes, runs: [] }));
  const early = target.unavailable?.(ctx);
  if (early !== undefined) return none('unavailable', early);

  let running: RunningTarget;
  try {
    running = await target.start(ctx);
  } catch (error) {
    const message = (error as Error).message;
    return none(error instanceof TargetUnavailable ? 'unavailable' : 'failed', message);
  }
  const results: CaseResult[] = [];
  try {
    for (const c of connections) {
      try {
        const runs = await measureConnections(target, running, ctx, c);
        results.push({
          ...base,
          connections: c,
          status: 'ok',
          tool: runs[0]?.load.tool,
          notes: running.notes,
          runs,
          summary: summarize(runs, ctx.payloads.rows),
        });
        log(target, ctx, c, results.at(-1)?.summary);
      } catch (error) {
        results.push({
          ...base,
          connections: c,
          status: 'failed',
          reason: (error as Error).message,
          notes: running.notes,
          runs: [],
        });
        console.log(`  ${ctx.model.name} ${target.id} c=${c}: failed: ${(error as Error).message}`);
      }
      if (running.process.exitCode() !== undefined) {
        const reason = `the server exited (${String(running.process.exitCode())}) during the run`;
        results.push(...none('failed', reason, running.notes).slice(results.length));
        break;
      }
    }
  } finally {
    await running.process.stop();
  }
  return results;
}

/** Warm-up, then the measured repeats, at one connection count. */
export async function measureConnections(
  target: Target,
  running: RunningTarget,
  ctx: TargetContext,
  connections: number,
  options: { countStatus?: boolean; repeats?: number } = {},
): Promise<RunResult[]> {
  const { config, tools } = ctx;
  const plan = {
    protocol: target.protocol,
    running,
    model: ctx.model,
    payloads: ctx.payloads,
    connections,
    countStatus: options.countStatus ?? false,
  };
  await runLoad({ ...plan, durationS: config.warmupS }, config, tools, ctx.logDir);
  const runs: RunResult[] = [];
  for (let i = 0; i < (options.repeats ?? config.repeats); i++)
    runs.push(await measuredWindow(plan, running, config, tools, ctx.logDir));
  return runs;
}

async function measuredWindow(
  plan: Omit<Parameters<typeof runLoad>[0], 'durationS'>,
  running: RunningTarget,
  config: BenchConfig,
  tools: Tools,
  logDir: string,
): Promise<RunResult> {
  const metricsBefore = await running.scrapeMetrics?.();
  const cpuBefore = cpuSnapshot(running.process.pid);
  const machineBefore = machineCpu();
  const load = await runLoad({ ...plan, durationS: config.durationS }, config, tools, logDir);
  const serverCpuS = cpuSecondsSince(running.process.pid, cpuBefore);
  const machineAfter = machineCpu();
  const metricsAfter = await running.scrapeMetrics?.();
  return {
    load,
    serverCpuS,
    cpuMsPerReq: load.responses > 0 ? (serverCpuS * 1000) / load.responses : null,
    machineBusy:
      (machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total),
    meanBatchSize: meanBatchBetween(metricsBefore, metricsAfter),
  };
}

export function summarize(runs: readonly RunResult[], rows: number): CaseSummary {
  const reqPerS = median(runs.map((run) => run.load.reqPerS));
  return {
    reqPerS,
    rowsPerS: reqPerS === null ? null : reqPerS * rows,
    p50Ms: median(runs.map((run) => run.load.latencyMs.p50)),
    p90Ms: median(runs.map((run) => run.load.latencyMs.p90)),
    p99Ms: median(runs.map((run) => run.load.latencyMs.p99)),
    cpuMsPerReq: median(runs.map((run) => run.cpuMsPerReq)),
    machineBusy: median(runs.map((run) => run.machineBusy)),
    meanBatchSize: median(runs.map((run) => run.meanBatchSize)),
    failed: runs.reduce((sum, run) => sum + run.load.failed, 0),
    timeouts: runs.reduce((sum, run) => sum + run.load.timeouts, 0),
    socketErrors: runs.reduce((sum, run) => sum + run.load.socketErrors, 0),
  };
}

function log(
  target: Target,
  ctx: TargetContext,
  connections: number,
  summary: CaseSummary | undefined,
): void {
  if (!summary) return;
  const fixed = (value: number | null, digits: number): string =>
    value === null ? '-' : value.toFixed(digits);
  console.log(
    `  ${ctx.model.name} ${target.id} c=${connections}: ${fixed(summary.reqPerS, 0)} req/s, ` +
      `p50 ${fixed(summary.p50Ms, 2)} ms, p99 ${fixed(summary.p99Ms, 2)} ms, ` +
      `cpu ${fixed(summary.cpuMsPerReq === null ? null : summary.cpuMsPerReq * 1000, 0)} µs/req` +
      (summary.failed + summary.timeouts + summary.socketErrors > 0
        ? `, failed ${summary.failed} timeouts ${summary.timeouts} socket ${summary.socketErrors}`
        : '') +
      (summary.meanBatchSize !== null ? `, batch ${summary.meanBatchSize.toFixed(1)}` : ''),
  );
}
