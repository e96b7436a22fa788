/**
 * A GetObject body handed on as a plain Node stream whose failures are store errors: a cut
 * connection or an idle timeout mid-download is STORE_UNREACHABLE (so a retry layer can resume by
 * range), the caller's abort is CANCELLED, and stopping early releases the connection.
 */
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { BerthError } from '../../../core/errors.js';
import { toStoreError } from './s3-errors.js';
import type { ErrorContext } from './s3-errors.js';

/** Wraps `body`; `signal` (the read's) destroys the stream with CANCELLED when it fires. */
export function wrapBody(body: Readable, context: ErrorContext, signal?: AbortSignal): Readable {
  const out = new PassThrough();
  const onAbort = (): void => {
    out.destroy(new BerthError('CANCELLED', `${context.where}: cancelled`, { cause: signal?.reason }));
  };
  body.on('error', (error: unknown) => {
    out.destroy(
      signal?.aborted
        ? new BerthError('CANCELLED', `${context.where}: cancelled`, { cause: error })
        : bodyError(error, context),
    );
  });
  body.pipe(out);
  out.on('close', () => {
    signal?.removeEventListener('abort', onAbort);
    if (!body.destroyed) body.destroy(); // the consumer stopped early: free the socket
  });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return out;
}

/**
 * Anything that breaks a body mid-way is the connection's fault (Node reports a response cut short
 * as a bare Error('aborted'), or ECONNRESET, or the SDK's idle timeout), so it is STORE_UNREACHABLE
 * unless the mapping knows better.
 */
function bodyError(error: unknown, context: ErrorContext): BerthError {
  const mapped = toStoreError(error, context);
  if (mapped.id !== 'STORE_ERROR') return mapped;
  const message = error instanceof Error ? error.message : String(error);
  return new BerthError('STORE_UNREACHABLE', `${context.where}: the download was cut (${message})`, {
    cause: error,
  });
}
