/** Durations on the command line: `30s`, `15m`, `1h`, `2d` (also `500ms`, and a bare `0`). */
import { BerthError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of `value`, or undefined when it is not a duration (for schemas that say why themselves). */
export function durationMs(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  const ms =
    value.trim() === '0' ? 0 : match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Milliseconds of `value`; INVALID_REQUEST naming `flag` and the value when it is not a duration. */
export function parseDuration(value: string, flag: string): number {
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new BerthError(
      'INVALID_REQUEST',
      `${flag} ${JSON.stringify(value)}: expected a duration: a whole number with a unit, such as 30s, 15m, 1h or 2d`,
    );
  }
  return ms;
}
