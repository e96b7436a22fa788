/**
 * What CSV and JSON Lines sources share: the schema is the first open's column specs, and batches
 * come from the rows of a fresh open, cut by textBatches. A format only says how to open its rows.
 */
import type { Column, RecordBatch, RecordSource } from '../records.js';
import { selectColumns, type ColumnKindHint, type ColumnSpec } from './column-builder.js';
import { textBatches, type TextRow } from './text-batches.js';
import { inputName, type TextInput } from './text-input.js';

export abstract class TextSource implements RecordSource {
  private specs: Promise<ColumnSpec[]> | undefined;

  constructor(
    protected readonly input: TextInput,
    protected readonly kinds?: ReadonlyMap<string, ColumnKindHint>,
  ) {}

  async schema(): Promise<ReadonlyMap<string, Column['kind']>> {
    this.specs ??= this.open().then(async ({ specs, rows }) => {
      await rows.return(undefined);
      return specs;
    });
    return new Map((await this.specs).map((s) => [s.name, s.kind]));
  }

  async *batches(options: {
    readonly batchRows: number;
    readonly columns?: readonly string[];
    readonly signal?: AbortSignal;
  }): AsyncIterable<RecordBatch> {
    const { specs, rows } = await this.open();
    const selected = selectColumns(specs, options.columns, inputName(this.input)).map((s) =>
      specs.indexOf(s),
    );
    yield* textBatches(rows, specs, selected, options.batchRows, options.signal);
  }

  /** The file's column specs (from a sample of rows) and every row, from the start. */
  protected abstract open(): Promise<{ specs: ColumnSpec[]; rows: AsyncGenerator<TextRow> }>;
}
