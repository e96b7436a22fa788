import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Where a text source reads from: a local path, or a factory of fresh streams (the job runner's
 * remote part). A factory is called once per `schema()` and once per `batches()`.
 */
export type TextInput = string | (() => Readable);

/** A name for messages: the path, or "the input stream". */
export function inputName(input: TextInput): string {
  return typeof input === 'string' ? input : 'the input stream';
}

/** Text chunks of `input`, decoded as UTF-8 across chunk boundaries; closes the stream when left early. */
export async function* textChunks(input: TextInput): AsyncGenerator<string> {
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: 1 << 20 }) : input();
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text.length > 0) yield text;
    }
    const rest = decoder.end();
    if (rest.length > 0) yield rest;
  } finally {
    stream.destroy();
  }
}

/** Lines of `input` with their 1-based numbers; a final line without a newline counts too. */
export async function* textLines(input: TextInput): AsyncGenerator<{ line: number; text: string }> {
  let carry = '';
  let line = 0;
  for await (const chunk of textChunks(input)) {
    let start = 0;
    const text = carry + chunk;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      line += 1;
      yield { line, text: text.slice(start, nl > start && text[nl - 1] === '\r' ? nl - 1 : nl) };
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  if (carry.length > 0) yield { line: line + 1, text: carry };
}
