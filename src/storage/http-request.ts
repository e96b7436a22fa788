/**
 * One HTTP exchange with a store: a bounded wait on the server, errors mapped onto store error
 * ids, and the response body as a Node stream. Shared by the http store and, later, by webhdfs.
 */
import { Readable } from 'node:stream';
import { BerthError } from '../core/errors.js';

/**
 * Aborts the exchange when the server is silent for `timeoutMs`, or when the caller's signal fires.
 * It bounds each wait (for headers, for the next body chunk), not the whole transfer, so a large
 * model that keeps arriving is never cut off, while a stalled server is.
 */
export class Watchdog {
  readonly signal: AbortSignal;
  timedOut = false;
  readonly #controller = new AbortController();
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = (): void => this.#controller.abort(this.#caller?.reason);
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    caller?: AbortSignal,
  ) {
    this.signal = this.#controller.signal;
    this.#caller = caller;
    // An already-aborted signal fires no event: abort now, so the fetch fails as CANCELLED.
    if (caller?.aborted) this.#controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  /** Starts (or restarts) the clock for one wait on the server. */
  arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      this.#controller.abort(new Error(`no response within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /** Stops the clock while the consumer, not the server, is the one taking time. */
  disarm(): void {
    clearTimeout(this.#timer);
  }

  /** Releases the timer and the caller's listener; the exchange is over. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  /** True when the caller, not the timeout, cancelled the exchange. */
  get cancelled(): boolean {
    return this.#caller?.aborted === true;
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

/** undici reports "fetch failed" with the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error && parts.length < 4; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(
      code !== undefined && !current.message.includes(code)
        ? `${current.message} [${code}]`
        : current.message,
    );
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
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
