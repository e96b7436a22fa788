/** Medians per case and the ratios against the floor measured in the same run. */
import { median, ratio, round } from '../lib/stats.js';
import type { CaseKind, PullCase } from './cases.js';
import type { ComponentSample } from './components.js';
import type { PullBackend } from './config.js';
import type { PullSample } from './measure.js';

/** One case's medians over its repeats. */
export interface CaseSummary {
  readonly backend: PullBackend;
  readonly case: string;
  readonly kind: CaseKind;
  readonly label: string;
  readonly concurrency?: number;
  readonly chunkMiB?: number;
  readonly isDefault: boolean;
  readonly runs: number;
  readonly errors: readonly string[];
  readonly medianMBps: number | null;
  readonly minMBps: number | null;
  readonly maxMBps: number | null;
  readonly medianSeconds: number | null;
  /** Median MB/s ÷ the median of the single-GET floor ("floor"). */
  readonly ratioToFloor: number | null;
  /** Median MB/s ÷ the median of the ranged-GET floor ("floor-ranges"). */
  readonly ratioToRangesFloor: number | null;
  /** Median CPU seconds per GB moved: this process, and the server processes. */
  readonly clientCpuSPerGB: number | null;
  readonly serverCpuSPerGB: number | null;
  readonly reads: number | null;
  readonly meanOpenMs: number | null;
}

/** Summaries of every case of every backend, in case order. */
export function summarise(
  cases: ReadonlyMap<PullBackend, readonly PullCase[]>,
  samples: readonly PullSample[],
  defaultCaseId: string,
): CaseSummary[] {
  const out: CaseSummary[] = [];
  for (const [backend, list] of cases) {
    const of = (id: string) => samples.filter((s) => s.backend === backend && s.case === id);
    const ok = (id: string) => of(id).filter((s) => s.error === undefined);
    const floor = median(ok('floor').map((s) => s.mbps));
    const rangesFloor = median(ok('floor-ranges').map((s) => s.mbps));
    for (const entry of list) {
      const good = ok(entry.id);
      const mbps = good.map((s) => s.mbps);
      const value = median(mbps);
      const perGB = (pick: (s: PullSample) => number) => median(good.map((s) => pick(s) / (s.bytes / 1e9)));
      out.push({
        backend,
        case: entry.id,
        kind: entry.kind,
        label: entry.label,
        ...(entry.ranges === undefined
          ? {}
          : { concurrency: entry.ranges.concurrency, chunkMiB: entry.ranges.chunkBytes / 1024 / 1024 }),
        isDefault: entry.id === defaultCaseId,
        runs: of(entry.id).length,
        errors: of(entry.id).flatMap((s) => (s.error === undefined ? [] : [s.error])),
        medianMBps: round(value),
        minMBps: round(mbps.length === 0 ? null : Math.min(...mbps)),
        maxMBps: round(mbps.length === 0 ? null : Math.max(...mbps)),
        medianSeconds: round(median(good.map((s) => s.seconds))),
        ratioToFloor: round(ratio(value, floor), 3),
        ratioToRangesFloor: round(ratio(value, rangesFloor), 3),
        clientCpuSPerGB:
          entry.id === 'curl'
            ? null
            : round(
                perGB((s) => s.clientCpuS),
                3,
              ),
        serverCpuSPerGB: round(
          perGB((s) => s.serverCpuS),
          3,
        ),
        reads: median(good.map((s) => s.reads)),
        meanOpenMs: round(median(good.map((s) => s.meanOpenMs)), 3),
      });
    }
  }
  return out;
}

/** Median MB/s and CPU seconds per GB of each local component. */
export function summariseComponents(
  samples: readonly ComponentSample[],
): Record<string, { mbps: number | null; cpuSPerGB: number | null }> {
  const out: Record<string, { mbps: number | null; cpuSPerGB: number | null }> = {};
  for (const component of ['sha256', 'disk-write'] as const) {
    const mine = samples.filter((s) => s.component === component);
    out[component] = {
      mbps: round(median(mine.map((s) => s.mbps))),
      cpuSPerGB: round(median(mine.map((s) => s.cpuS / (s.bytes / 1e9))), 3),
    };
  }
  return out;
}
