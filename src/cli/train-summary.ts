/** The closing line of `berth train` on stderr: what it did, in how long, and each stage's time. */
import type { StageTiming } from '../jobs/train/train-stages.js';
import { formatSeconds } from './progress-format.js';

/** `fetch code 1.2 s, stage data 0.4 s, run 10.1 s (failed)`. */
export function stageTimes(timings: readonly StageTiming[]): string {
  return timings.map((one) => `${one.stage} ${formatSeconds(one.ms)}${one.ok ? '' : ' (failed)'}`).join(', ');
}

/** `train: published file:///m/ranker/3 (commit 3f2a9c1) in 12.3 s: fetch code 1.2 s, …, publish 0.3 s`. */
export function trainDoneLine(what: string, elapsedMs: number, timings: readonly StageTiming[]): string {
  const stages = timings.length > 0 ? `: ${stageTimes(timings)}` : '';
  return `train: ${what} in ${formatSeconds(elapsedMs)}${stages}`;
}

/**
 * `train: failed in run after 12.3 s: fetch code 1.2 s, stage data 0.4 s, run 10.7 s (failed)`;
 * undefined when no stage began (the error alone says what was wrong with the job).
 */
export function trainFailedLine(elapsedMs: number, timings: readonly StageTiming[]): string | undefined {
  const failed = timings.find((one) => !one.ok);
  if (timings.length === 0) return undefined;
  const where = failed ? ` in ${failed.stage}` : '';
  return `train: failed${where} after ${formatSeconds(elapsedMs)}: ${stageTimes(timings)}`;
}
