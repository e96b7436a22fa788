/**
 * Reads a binary tensor request body (application/octet-stream, or any body sent with
 * `Inference-Header-Content-Length`) into one buffer placed so the bytes after the JSON header start
 * on an 8-byte boundary: raw inputs then become typed arrays over this buffer with no further copy.
 * Socket chunks are copied once, into that buffer.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { BerthError } from '../../core/errors.js';
import { INFERENCE_HEADER } from '../../protocol/v2/binary-message.js';

/** Resolves with the whole body (a Buffer view), or rejects with a BerthError. */
export function readBinaryBody(
  request: FastifyRequest,
  payload: IncomingMessage,
  bodyLimit: number,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > bodyLimit) return Promise.reject(tooLarge(bodyLimit));
  const headerLength = Number(request.headers[INFERENCE_HEADER]);
  // An invalid header is reported by the codec; here it only decides the padding.
  const pad = Number.isSafeInteger(headerLength) && headerLength >= 0 ? (8 - (headerLength % 8)) % 8 : 0;
  const chunks: Buffer[] = [];
  let received = 0;

  return new Promise((resolve, reject) => {
    const finish = (error?: unknown): void => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', finish);
      if (error === undefined) return;
      if (error instanceof BerthError) reject(error);
      else {
        const message = `request body: could not be read (${(error as Error).message})`;
        reject(new BerthError('INVALID_REQUEST', message, { cause: error }));
      }
    };
    function onData(chunk: Buffer): void {
      received += chunk.length;
      if (received > bodyLimit) return finish(tooLarge(bodyLimit));
      chunks.push(chunk);
    }
    function onEnd(): void {
      finish();
      if (Number.isSafeInteger(declared) && received !== declared) return reject(lengthMismatch());
      // Chunks are kept until the end rather than written into a buffer sized from Content-Length:
      // the copy count is the same, and a client cannot make the server allocate what it never sends.
      const body = Buffer.allocUnsafeSlow(pad + received).subarray(pad);
      let offset = 0;
      for (const chunk of chunks) {
        body.set(chunk, offset);
        offset += chunk.length;
      }
      resolve(body);
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', finish);
    payload.resume();
  });
}

function tooLarge(bodyLimit: number): BerthError {
  return new BerthError(
    'BODY_TOO_LARGE',
    `request body: larger than the limit of ${bodyLimit} bytes (body_limit)`,
  );
}

function lengthMismatch(): BerthError {
  return new BerthError('INVALID_REQUEST', 'Content-Length: does not match the body received');
}
