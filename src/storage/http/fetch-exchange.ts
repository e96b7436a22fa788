/**
 * One fetch exchange with a store: each wait on the server bounded by a Watchdog on the injected
 * Clock, errors mapped onto store error ids, and the response body as a Node stream.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { BerthError } from '../../core/errors.js';
import { describeCause } from './describe-cause.js';
import { Watchdog } from './watchdog.js';

/** How long each wait on the server may take, on which clock, and the caller's signal. */
export interface RequestTiming {
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Sends one fetch and resolves when its head has arrived, with the watchdog that goes on bounding
 * the body (disarmed until the body is read; the caller disposes it, or hands it to bodyStream).
 * Any status resolves; a failure rejects with requestError's mapping, naming `where`.
 */
export async function openFetch(
  url: string,
  init: Omit<RequestInit, 'signal'>,
  timing: RequestTiming,
  where: string,
): Promise<{ response: Response; watchdog: Watchdog }> {
  const watchdog = new Watchdog(timing.timeoutMs, timing.clock, timing.signal);
  try {
    watchdog.arm();
    const response = await fetch(url, { ...init, signal: watchdog.signal });
    watchdog.disarm();
    return { response, watchdog };
  } catch (error) {
    watchdog.dispose();
    throw requestError(error, where, watchdog);
  }
}

/**
 * Maps a failed fetch (or body read) onto a BerthError: the caller's abort → CANCELLED; a timeout,
 * a refused connection, DNS or a reset → STORE_UNREACHABLE naming the URL and the cause.
 */
export function requestError(error: unknown, where: string, watchdog: Watchdog): BerthError {
  if (error instanceof BerthError) return error;
  if (watchdog.cancelled) return new BerthError('CANCELLED', `${where}: cancelled`, { cause: error });
  if (watchdog.timedOut) {
    return new BerthError('STORE_UNREACHABLE', `${where}: no response within ${watchdog.timeoutMs} ms`, {
      cause: error,
    });
  }
  const cause = describeCause(error);
  // fetch refuses some ports outright (the Fetch spec's "bad port" list): retrying cannot help.
  if (cause.includes('bad port')) {
    return new BerthError('STORE_ERROR', `${where}: fetch refuses this port (${cause})`, { cause: error });
  }
  return new BerthError('STORE_UNREACHABLE', `${where}: cannot reach the store (${cause})`, {
    cause: error,
  });
}

/**
 * Maps an unsuccessful status: 404/410 → STORE_NOT_FOUND; 502/503/504 → STORE_UNREACHABLE (a
 * gateway saying the store behind it is down, so worth a retry); anything else → STORE_ERROR.
 */
export function statusError(response: Response, where: string): BerthError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status === 404 || response.status === 410) {
    return new BerthError('STORE_NOT_FOUND', `${where}: not found (${status})`);
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    return new BerthError('STORE_UNREACHABLE', `${where}: the store is unavailable (${status})`);
  }
  return new BerthError('STORE_ERROR', `${where}: unexpected answer ${status}`);
}

/** The part of a body to hand on: skip `skip` bytes, then at most `limit` bytes. */
export interface BodyWindow {
  readonly skip: number;
  readonly limit?: number;
}

/**
 * The response body as a Node stream of the bytes in `window`. Reading stops (and the connection is
 * released) once `limit` bytes have passed, so a server that ignored a Range header costs at most
 * the bytes up to the end of the range, not the whole file.
 */
export function bodyStream(
  body: ReadableStream<Uint8Array>,
  window: BodyWindow,
  watchdog: Watchdog,
  where: string,
): Readable {
  const reader = body.getReader();
  let skip = window.skip;
  let left = window.limit ?? Number.POSITIVE_INFINITY;
  let pulling = false;

  const pull = async (): Promise<void> => {
    for (;;) {
      if (left <= 0) return void stream.push(null);
      watchdog.arm();
      const { done, value } = await reader.read();
      watchdog.disarm();
      if (done) return void stream.push(null);
      let chunk = value;
      if (skip > 0) {
        const skipped = Math.min(skip, chunk.byteLength);
        skip -= skipped;
        chunk = chunk.subarray(skipped);
      }
      if (chunk.byteLength > left) chunk = chunk.subarray(0, left);
      if (chunk.byteLength === 0) continue;
      left -= chunk.byteLength;
      if (!stream.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) return;
    }
  };

  const stream = new Readable({
    read() {
      // Node does not call read() again before a push, but a push(true) inside the loop can
      // schedule one; the flag keeps a single loop reading from the body at a time.
      if (pulling) return;
      pulling = true;
      pull()
        .catch((error: unknown) => stream.destroy(requestError(error, where, watchdog)))
        .finally(() => {
          pulling = false;
        });
    },
    destroy(error, callback) {
      watchdog.dispose();
      reader.cancel().catch(() => undefined); // frees the connection when the reader stops early
      callback(error);
    },
  });
  return stream;
}
