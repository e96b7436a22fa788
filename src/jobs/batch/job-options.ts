/**
 * Parsers for the `berth batch` flag values with a syntax of their own: feature lists with ranges
 * (`f0..f63`), shards (`2/8`) and reject thresholds (`100` or `0.5%`).
 */
import { BerthError } from '../../core/errors.js';

/** Which shard of how many this process runs: index in [0, count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** A reject threshold: a row count, or a fraction of the rows read. */
export type RejectLimit =
  { readonly kind: 'count'; readonly max: number } | { readonly kind: 'percent'; readonly max: number };

/** Scalar columns gathered, in order, into one model input (`input` absent: the model's only one). */
export interface FeatureGroup {
  readonly input?: string;
  readonly columns: readonly string[];
}

/** `--shard 1/4` → { index: 1, count: 4 }. */
export function parseShard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `--shard ${JSON.stringify(value)}: expected i/n with 0 <= i < n, e.g. 0/4`,
    );
  }
  return { index, count };
}

/** `--max-rejects 100` or `--max-rejects 0.5%`. */
export function parseRejectLimit(value: string): RejectLimit {
  const trimmed = value.trim();
  const percent = trimmed.endsWith('%');
  const max = Number(percent ? trimmed.slice(0, -1) : trimmed);
  const valid = percent ? max >= 0 && max <= 100 : Number.isSafeInteger(max) && max >= 0;
  if (trimmed.length === 0 || !valid) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `--max-rejects ${JSON.stringify(value)}: expected a row count (100) or a percentage (0.5%)`,
    );
  }
  return percent ? { kind: 'percent', max } : { kind: 'count', max };
}

/**
 * `--features f0..f63`, `--features a,b,c` or `--features x=a,b,c`: a range `pN..pM` expands to
 * pN, pN+1, ... pM with the same prefix (and zero padding when both ends have it).
 */
export function parseFeatures(value: string): FeatureGroup {
  const eq = value.indexOf('=');
  const input = eq > 0 ? value.slice(0, eq).trim() : undefined;
  const list = eq > 0 ? value.slice(eq + 1) : value;
  const columns = list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .flatMap((item) => expandRange(item, value));
  if (columns.length === 0) {
    throw new BerthError('BATCH_JOB_INVALID', `--features ${JSON.stringify(value)}: names no column`);
  }
  if (new Set(columns).size !== columns.length) {
    throw new BerthError('BATCH_JOB_INVALID', `--features ${JSON.stringify(value)}: names a column twice`);
  }
  return { ...(input ? { input } : {}), columns };
}

function expandRange(item: string, whole: string): string[] {
  const match = /^(.*?)(\d+)\.\.(.*?)(\d+)$/.exec(item);
  if (!match) return [item];
  const [, prefix = '', from = '', otherPrefix = '', to = ''] = match;
  const start = Number(from);
  const end = Number(to);
  if ((otherPrefix !== '' && otherPrefix !== prefix) || end < start) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `--features ${JSON.stringify(whole)}: range ${JSON.stringify(item)} should read like f0..f63 (same prefix, ascending)`,
    );
  }
  const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
  const names: string[] = [];
  for (let n = start; n <= end; n++) names.push(`${prefix}${String(n).padStart(width, '0')}`);
  return names;
}
