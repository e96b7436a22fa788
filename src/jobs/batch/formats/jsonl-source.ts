import { hinted, type ColumnKindHint, type ColumnSpec } from './column-builder.js';
import { peek, SAMPLE_ROWS, type TextRow } from './text-batches.js';
import { TextSource } from './text-source.js';
import { textLines, type TextInput } from './text-input.js';

interface JsonLine {
  readonly line: number;
  readonly object?: Record<string, unknown>;
  readonly error?: string;
}

/**
 * Reads JSON Lines: one object per line, blank lines skipped. Columns are the keys of the first
 * 1000 objects in first-seen order; a key's kind comes from `kinds` when the caller gives it, else
 * most of its values decide: numbers `number`, booleans `boolean`, strings `string`, arrays of
 * numbers of one length `list`, anything else `mixed`. A
 * malformed line, or a value that does not fit its column, rejects the row with its line number.
 */
export class JsonlSource extends TextSource {
  protected async open(): Promise<{ specs: ColumnSpec[]; rows: AsyncGenerator<TextRow> }> {
    const { sample, rest } = await peek(jsonLines(this.input)[Symbol.asyncIterator](), SAMPLE_ROWS);
    const specs = inferSpecs(
      sample.flatMap((l) => (l.object === undefined ? [] : [l.object])),
      this.kinds,
    );
    async function* rows(): AsyncGenerator<TextRow> {
      for await (const { line, object, error } of rest) {
        if (object === undefined) yield { line, error: error ?? 'not an object' };
        else yield { line, values: specs.map((s) => object[s.name]) };
      }
    }
    return { specs, rows: rows() };
  }
}

async function* jsonLines(input: TextInput): AsyncGenerator<JsonLine> {
  for await (const { line, text } of textLines(input)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, error: `not valid JSON (${(error as Error).message})` };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, error: 'not a JSON object' };
    } else {
      yield { line, object: value as Record<string, unknown> };
    }
  }
}

// Most, not all, of the sampled values decide, as in CsvSource.
function inferSpecs(
  objects: readonly Record<string, unknown>[],
  kinds?: ReadonlyMap<string, ColumnKindHint>,
): ColumnSpec[] {
  const names = new Set<string>();
  for (const o of objects) for (const k of Object.keys(o)) names.add(k);
  return [...names].map((name): ColumnSpec => {
    const hint = hinted(name, kinds);
    if (hint !== undefined) return hint;
    const present = objects.map((o) => o[name]).filter((v) => v !== null && v !== undefined);
    const most = (ok: (v: unknown) => boolean): boolean => present.filter(ok).length * 2 > present.length;
    if (present.length === 0) return { name, kind: 'mixed' };
    if (most((v) => typeof v === 'number')) return { name, kind: 'number' };
    if (most((v) => typeof v === 'boolean')) return { name, kind: 'boolean' };
    if (most((v) => typeof v === 'string')) return { name, kind: 'string' };
    const width = (present.find((v) => Array.isArray(v)) as unknown[] | undefined)?.length;
    const isList = (v: unknown): boolean =>
      Array.isArray(v) && v.length === width && v.every((x) => typeof x === 'number');
    return width !== undefined && most(isList) ? { name, kind: 'list', width } : { name, kind: 'mixed' };
  });
}
