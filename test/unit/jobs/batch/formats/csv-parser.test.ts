import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvParser, type CsvRecord } from '../../../../../src/jobs/batch/formats/csv-parser.js';

function parse(text: string, chunk = text.length || 1): CsvRecord[] {
  const parser = new CsvParser();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...parser.feed(text.slice(i, i + chunk)));
  return [...out, ...parser.end()];
}

describe('CsvParser (RFC 4180)', () => {
  const text = 'a,b,c\r\n1,"x, y",3\n"multi\nline","say ""hi""",\n\n"",last\n';

  it('splits fields, honours quotes, doubled quotes, CRLF and blank lines', () => {
    assert.deepEqual(
      parse(text).map((r) => r.fields),
      [
        ['a', 'b', 'c'],
        ['1', 'x, y', '3'],
        ['multi\nline', 'say "hi"', ''],
        ['', 'last'],
      ],
    );
  });

  it('numbers each record by the line it starts on, past quoted line breaks', () => {
    assert.deepEqual(
      parse(text).map((r) => r.line),
      [1, 2, 3, 6],
    );
  });

  it('gives the same records whatever the chunk boundaries', () => {
    for (const chunk of [1, 2, 3, 7]) assert.deepEqual(parse(text, chunk), parse(text), `chunk ${chunk}`);
  });

  it('keeps a last record without a newline', () => {
    assert.deepEqual(parse('a,b\n1,2').at(-1)?.fields, ['1', '2']);
  });

  it('marks malformed quoting on the record instead of guessing silently', () => {
    assert.match(parse('a\n"open\n').at(-1)?.error ?? '', /not closed/);
    assert.match(parse('a\n"x"y\n').at(-1)?.error ?? '', /closing quote/);
    assert.match(parse('a\nx"y\n').at(-1)?.error ?? '', /quote inside an unquoted field/);
    assert.equal(parse('a\n"ok"\n').at(-1)?.error, undefined);
  });
});
