import { BerthError } from '../../../core/errors.js';
import type { Column } from '../records.js';

/** A column kind with the list width text formats infer; `width` only for lists. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: Column['kind'];
  readonly width?: number;
}

/** A kind the caller expects for a text column (a list needs its width); it beats inference. */
export type ColumnKindHint =
  { readonly kind: Exclude<Column['kind'], 'list'> } | { readonly kind: 'list'; readonly width: number };

/** The spec `kinds` declares for `name`, if it does. */
export function hinted(
  name: string,
  kinds: ReadonlyMap<string, ColumnKindHint> | undefined,
): ColumnSpec | undefined {
  const hint = kinds?.get(name);
  return hint === undefined ? undefined : { name, ...hint };
}

/**
 * Fills one column of a text-format batch row by row. `set` returns a reason when the value does
 * not fit the kind (the caller rejects the row); a null makes a numeric column `mixed` for this
 * batch, as records.ts specifies.
 */
export class ColumnBuilder {
  private readonly numbers: Float64Array;
  private readonly raw: unknown[];
  private nulls = false;

  constructor(
    private readonly spec: ColumnSpec,
    private readonly rows: number,
  ) {
    const width = spec.kind === 'list' ? (spec.width ?? 0) : 1;
    this.numbers = new Float64Array(spec.kind === 'string' || spec.kind === 'mixed' ? 0 : rows * width);
    this.raw = new Array<unknown>(spec.kind === 'list' ? 0 : rows).fill(null);
  }

  /** Stores `value` at `row`; returns why it does not fit, or undefined. */
  set(row: number, value: unknown): string | undefined {
    const { kind, name } = this.spec;
    if (value === null || value === undefined) {
      if (kind === 'list') return `column ${name} is empty, expected a list of ${this.spec.width} numbers`;
      this.nulls = true;
      this.raw[row] = null;
      if (kind !== 'string' && kind !== 'mixed') this.numbers[row] = Number.NaN;
      return undefined;
    }
    switch (kind) {
      case 'number':
      case 'bigint':
        if (typeof value !== 'number') return `column ${name}: ${show(value)} is not a number`;
        if (kind === 'bigint' && !Number.isSafeInteger(value)) {
          return `column ${name}: ${show(value)} is not an integer`;
        }
        this.numbers[row] = value;
        this.raw[row] = value;
        return undefined;
      case 'boolean':
        if (typeof value !== 'boolean') return `column ${name}: ${show(value)} is not true or false`;
        this.numbers[row] = value ? 1 : 0;
        this.raw[row] = value;
        return undefined;
      case 'string':
        this.raw[row] = typeof value === 'string' ? value : JSON.stringify(value);
        return undefined;
      case 'list':
        return this.setList(row, value);
      case 'mixed':
        this.raw[row] = value;
        return undefined;
    }
  }

  /** Puts the placeholder of a rejected row (NaN, 0, null) without marking the column as nullable. */
  placeholder(row: number): void {
    const width = this.spec.kind === 'list' ? (this.spec.width ?? 0) : 1;
    if (this.numbers.length > 0)
      this.numbers.fill(this.spec.kind === 'boolean' ? 0 : Number.NaN, row * width, (row + 1) * width);
    if (this.spec.kind === 'bigint') this.numbers[row] = 0;
    if (this.raw.length > 0) this.raw[row] = null;
  }

  /** The finished column. */
  finish(): Column {
    const { kind } = this.spec;
    if (this.nulls && kind !== 'string' && kind !== 'mixed') return { kind: 'mixed', values: this.raw };
    switch (kind) {
      case 'number':
        return { kind, values: this.numbers };
      case 'bigint':
        return { kind, values: BigInt64Array.from(this.numbers, (v) => BigInt(v)) };
      case 'boolean':
        return { kind, values: Uint8Array.from(this.numbers) };
      case 'string':
        return { kind, values: this.raw as (string | null)[] };
      case 'list':
        return { kind, values: this.numbers, width: this.spec.width ?? 0 };
      case 'mixed':
        return { kind, values: this.raw };
    }
  }

  private setList(row: number, value: unknown): string | undefined {
    const width = this.spec.width ?? 0;
    const { name } = this.spec;
    if (!Array.isArray(value)) return `column ${name}: ${show(value)} is not a list`;
    if (value.length !== width) return `column ${name} has ${value.length} values, expected ${width}`;
    for (let i = 0; i < width; i += 1) {
      const v: unknown = value[i];
      if (typeof v !== 'number') return `column ${name}[${i}]: ${show(v)} is not a number`;
      this.numbers[row * width + i] = v;
    }
    return undefined;
  }
}

/** A value for a reason, short enough for a log line. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The specs of `columns` (all when undefined); throws INVALID_REQUEST naming a column the file lacks. */
export function selectColumns(
  specs: readonly ColumnSpec[],
  columns: readonly string[] | undefined,
  where: string,
): ColumnSpec[] {
  if (columns === undefined) return [...specs];
  return columns.map((name) => {
    const spec = specs.find((s) => s.name === name);
    if (spec === undefined) {
      const known = specs.map((s) => s.name).join(', ') || '(none)';
      throw new BerthError('INVALID_REQUEST', `column ${name} is not in ${where}; its columns are: ${known}`);
    }
    return spec;
  });
}
