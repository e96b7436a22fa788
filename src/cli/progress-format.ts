/** Sizes, rates and durations as people read them in a progress line: 12.3 MiB, 45.6 MiB/s, 2m05s. */
import type { ProgressSnapshot } from '../repository/download/progress.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** Bytes in binary units, one decimal from KiB up: `512 B`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A transfer rate: `45.6 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Whole seconds as `7s`, `2m05s` or `1h02m`; `?` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const total = Math.ceil(Math.max(0, seconds));
  if (total < 60) return `${total}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (total < 3600) return `${Math.floor(total / 60)}m${pad(total % 60)}s`;
  return `${Math.floor(total / 3600)}h${pad(Math.floor((total % 3600) / 60))}m`;
}

/** `12%`, or `` when the total is unknown (0). */
export function formatPercent(bytes: number, totalBytes: number): string {
  return totalBytes > 0 ? `${Math.floor((100 * Math.min(bytes, totalBytes)) / totalBytes)}%` : '';
}

/** Elapsed time as summaries show it: `1.2 s`, or `34 ms` under 0.1 s (where `0.0 s` says nothing). */
export function formatSeconds(ms: number): string {
  const at = Math.max(0, ms);
  return at < 100 ? `${Math.round(at)} ms` : `${(at / 1000).toFixed(1)} s`;
}

/** `4 files`, `1 file`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What a finished transfer reports, for its summary line. */
export interface TransferOutcome {
  /** What was done to what: `pulled file:///models/recommender/3`. */
  readonly done: string;
  /** Bytes moved by this transfer. */
  readonly bytes: number;
  readonly files: number;
  /** Files taken from a local cache instead of the store, when the transfer says. */
  readonly reused?: number;
}

/** `pulled file:///s/m/3: 12.0 MiB, 4 files (1 reused from cache) in 1.2 s (10.0 MiB/s)`. */
export function transferSummary(outcome: TransferOutcome, elapsedMs: number): string {
  const reused = outcome.reused ? ` (${outcome.reused} reused from cache)` : '';
  const rate = elapsedMs > 0 ? formatRate((outcome.bytes * 1000) / elapsedMs) : 'instant';
  return (
    `${outcome.done}: ${formatBytes(outcome.bytes)}, ${plural(outcome.files, 'file')}${reused} ` +
    `in ${formatSeconds(elapsedMs)} (${rate})`
  );
}

/** `pull file:///s/m@1: failed after 2.0 s (12.0 MiB of 64.0 MiB moved)`. */
export function failedLine(label: string, at: ProgressSnapshot): string {
  return (
    `${label}: failed after ${formatSeconds(at.elapsedMs)} ` +
    `(${formatBytes(at.bytes)} of ${formatBytes(at.totalBytes)} moved)`
  );
}
