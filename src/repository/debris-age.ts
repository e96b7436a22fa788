/**
 * Ages of crash debris (partial cache folders, temp files, staging folders). Debris is judged by
 * modification times, which are wall-clock times (file mtimes, HDFS modificationTime, S3
 * LastModified), so "now" comes from a clock reading ms since the epoch, not from the monotonic
 * systemClock. Tests inject a ManualClock advanced to the epoch time they want.
 */
import type { Clock } from '../core/clock.js';

/** Debris younger than this is left alone by default: it may belong to a live process. */
export const DEFAULT_DEBRIS_MIN_AGE_MS = 60 * 60 * 1000;

/** Reads ms since the epoch, the scale modification times are on. */
export const wallClock: Pick<Clock, 'now'> = { now: () => Date.now() };

/** The newest of some modification times; undefined when none is known. */
export function newestTime(times: Iterable<number | undefined>): number | undefined {
  let newest: number | undefined;
  for (const time of times) if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  return newest;
}

/**
 * Whether debris last modified at `modifiedMs` is old enough to remove. An unknown time is never
 * old enough, except with a minimum age of 0, which asks for everything.
 */
export function isOldEnough(modifiedMs: number | undefined, nowMs: number, minAgeMs: number): boolean {
  if (minAgeMs <= 0) return true;
  return modifiedMs !== undefined && nowMs - modifiedMs >= minAgeMs;
}

const UNITS = [
  { suffix: 'd', ms: 86_400_000 },
  { suffix: 'h', ms: 3_600_000 },
  { suffix: 'm', ms: 60_000 },
  { suffix: 's', ms: 1_000 },
] as const;

/** An age for people: its largest unit and the next one when not zero ("2d 3h", "5m", "0s"). */
export function formatAge(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
  const counts = UNITS.map((unit) => {
    const count = Math.floor(rest / unit.ms);
    rest -= count * unit.ms;
    return `${count}${unit.suffix}`;
  });
  const first = counts.findIndex((count) => !count.startsWith('0'));
  if (first === -1) return '0s';
  const next = counts[first + 1];
  return next === undefined || next.startsWith('0') ? `${counts[first]}` : `${counts[first]} ${next}`;
}
