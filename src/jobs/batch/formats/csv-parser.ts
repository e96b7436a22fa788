/** One CSV record: its fields, the 1-based line it starts on, and why it is malformed, if it is. */
export interface CsvRecord {
  readonly fields: string[];
  readonly line: number;
  readonly error?: string;
}

/**
 * A streaming RFC 4180 parser (https://www.rfc-editor.org/rfc/rfc4180#section-2): fields separated
 * by commas, records by CRLF or LF, a field in double quotes may hold commas, line breaks and `""`
 * for a quote. Fed chunk by chunk, so a quoted field may span chunks. Blank lines are skipped.
 */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private quoted = false; // inside a quoted field
  private quoteSeen = false; // a quote inside a quoted field: its end, or the first half of ""
  private started = false; // the current record has a character
  private afterQuote = false; // the current field was quoted and has closed
  private error: string | undefined;
  private line = 1;
  private recordLine = 1;

  /** Parses `chunk`, returning the records it completes. */
  feed(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    for (let i = 0; i < chunk.length; i += 1) {
      const c = chunk[i]!;
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            this.field += '"';
            continue;
          }
          this.quoted = false; // the quote closed the field; handle c below as unquoted
          this.afterQuote = true;
        } else if (c === '"') {
          this.quoteSeen = true;
          continue;
        } else {
          if (c === '\n') this.line += 1;
          this.field += c;
          continue;
        }
      }
      if (c === ',') {
        this.fields.push(this.field);
        this.field = '';
        this.started = true;
        this.afterQuote = false;
      } else if (c === '\n') {
        this.line += 1;
        if (this.started || this.field.length > 0) out.push(this.endRecord());
        this.recordLine = this.line;
      } else if (c === '\r') {
        // part of CRLF; a bare CR outside quotes is dropped
      } else if (c === '"' && this.field.length === 0 && !this.afterQuote) {
        this.quoted = true;
        this.started = true;
      } else {
        if (this.afterQuote) this.error ??= 'a character follows the closing quote of a field';
        else if (c === '"') this.error ??= 'a quote inside an unquoted field';
        this.field += c;
        this.started = true;
      }
    }
    return out;
  }

  /** Ends the input, returning the last record if the file did not end with a newline. */
  end(): CsvRecord[] {
    if (this.quoted && !this.quoteSeen)
      this.error ??= 'a quoted field is not closed before the end of the file';
    this.quoted = false;
    this.quoteSeen = false;
    return this.started || this.field.length > 0 ? [this.endRecord()] : [];
  }

  private endRecord(): CsvRecord {
    this.fields.push(this.field);
    const record: CsvRecord = {
      fields: this.fields,
      line: this.recordLine,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
    this.fields = [];
    this.field = '';
    this.started = false;
    this.afterQuote = false;
    this.error = undefined;
    return record;
  }
}
