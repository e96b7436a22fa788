/** Sizes, rates and durations as people read them in a progress line: 12.3 MiB, 45.6 MiB/s, 2m05s. */

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
