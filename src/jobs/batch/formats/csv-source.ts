import { BerthError } from '../../../core/errors.js';
import { hinted, show, type ColumnSpec } from './column-builder.js';
import { CsvParser, type CsvRecord } from './csv-parser.js';
import { peek, SAMPLE_ROWS, type TextRow } from './text-batches.js';
import { TextSource } from './text-source.js';
import { inputName, textChunks, type TextInput } from './text-input.js';

// Strict: what JSON and most CSV writers emit, plus NaN and ±Infinity; never "12abc" or "0x1f".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL = new Set(['NaN', 'Infinity', '+Infinity', '-Infinity']);

/**
 * Reads a CSV file with a header row. Column kinds come from `kinds` where the caller knows them
 * (the job runner, from the model's inputs), else from the first 1000 rows: a column most of whose
 * non-empty values are numbers is `number`, `true`/`false` is `boolean`, JSON arrays of numbers of
 * one length (as CsvSink writes lists) are `list`, anything else `string`. An empty field in a
 * numeric column is null (the column is `mixed` in that batch); a value that does not fit rejects
 * its row with the line number.
 */
export class CsvSource extends TextSource {
  protected async open(): Promise<{ specs: ColumnSpec[]; rows: AsyncGenerator<TextRow> }> {
    const records = csvRecords(this.input)[Symbol.asyncIterator]();
    const header = await records.next();
    if (header.done === true) {
      return { specs: [], rows: (async function* () {})() };
    }
    const names = header.value.fields;
    if (header.value.error !== undefined || new Set(names).size !== names.length) {
      await records.return?.(undefined);
      throw new BerthError(
        'BAD_RECORD_FILE',
        `${inputName(this.input)}: the header row is not a list of distinct names (${header.value.error ?? names.join(',')})`,
      );
    }
    const { sample, rest } = await peek(records, SAMPLE_ROWS);
    const specs = names.map(
      (name, i) =>
        hinted(name, this.kinds) ??
        inferSpec(
          name,
          sample.map((r) => r.fields[i] ?? ''),
        ),
    );
    async function* rows(): AsyncGenerator<TextRow> {
      for await (const record of rest) yield toRow(record, specs);
    }
    return { specs, rows: rows() };
  }
}

async function* csvRecords(input: TextInput): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  for await (const chunk of textChunks(input)) yield* parser.feed(chunk);
  yield* parser.end();
}

function parseNumber(text: string): number | undefined {
  return NUMBER.test(text) || SPECIAL.has(text) ? Number(text) : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

function parseList(text: string): number[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'number')
      ? (value as number[])
      : undefined;
  } catch {
    return undefined;
  }
}

// Most, not all, of the sampled values decide, so a bad value early in the file is a rejected
// row rather than a column silently read as text.
function inferSpec(name: string, values: readonly string[]): ColumnSpec {
  const present = values.filter((v) => v !== '');
  const most = (ok: (v: string) => boolean): boolean => present.filter(ok).length * 2 > present.length;
  if (present.length === 0) return { name, kind: 'string' };
  if (most((v) => parseNumber(v) !== undefined)) return { name, kind: 'number' };
  if (most((v) => parseBoolean(v) !== undefined)) return { name, kind: 'boolean' };
  const width = present.map(parseList).find((l) => l !== undefined)?.length;
  if (width !== undefined && most((v) => parseList(v)?.length === width))
    return { name, kind: 'list', width };
  return { name, kind: 'string' };
}

function toRow(record: CsvRecord, specs: readonly ColumnSpec[]): TextRow {
  const { fields, line } = record;
  if (record.error !== undefined) return { line, error: record.error };
  if (fields.length !== specs.length) {
    return { line, error: `the row has ${fields.length} fields, the header has ${specs.length}` };
  }
  const values: unknown[] = [];
  for (let i = 0; i < specs.length; i += 1) {
    const { kind, name } = specs[i]!;
    const text = fields[i]!;
    if (kind === 'string' || kind === 'mixed') {
      values.push(text);
      continue;
    }
    if (text === '') {
      values.push(null);
      continue;
    }
    const value =
      kind === 'boolean' ? parseBoolean(text) : kind === 'list' ? parseList(text) : parseNumber(text);
    if (value === undefined) {
      return {
        line,
        error: `column ${name}: ${show(text)} is not ${kind === 'list' ? 'a list of numbers' : kind === 'boolean' ? 'true or false' : 'a number'}`,
      };
    }
    values.push(value);
  }
  return { line, values };
}
