/**
 * One HTTP exchange with a NameNode or DataNode, on node:http rather than fetch: the DataNode
 * answers CREATE's data PUT with an unsolicited `100 Continue` before its `201`, which undici
 * (Node's fetch) rejects as a bad response, while node:http reports it as an `information` event
 * and reads on (scripts/services.md). Using one client for every WebHDFS call keeps one set of
 * error and timeout rules. Each wait on the server is bounded by the shared Watchdog
 * (storage/http/watchdog.ts), on the injected Clock.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { Clock } from '../../../core/clock.js';
import { BerthError } from '../../../core/errors.js';
import { describeCause } from '../../http/describe-cause.js';
import { Watchdog } from '../../http/watchdog.js';
import { NotSentError } from './webhdfs-errors.js';

/** One request; `body` is streamed (chunked) when a Readable, sent with a length when bytes. */
export interface HttpExchange {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Readable | Uint8Array;
  /** Bound on each wait for the server, ms, on `clock`. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Names the request in errors: the hdfs:// URI of the path and which server ("NameNode ..."). */
  readonly where: string;
  readonly server: string;
}

/** A response whose head has arrived; the body is still to be read (or released). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly response: IncomingMessage;
  /** Still bounding the body's reads; disposed by readText/bodyStream/release. */
  readonly watchdog: Watchdog;
  /** The request this answers, named in errors while its body is read. */
  readonly exchange: HttpExchange;
}

/** Largest JSON answer read into memory (a LISTSTATUS page of 1000 entries is ~300 KB). */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

/**
 * Sends the request and resolves when the response head arrives. A failure before the connection
 * was made rejects with NotSentError; any other network failure or a timeout with
 * STORE_UNREACHABLE; the caller's abort with CANCELLED. Error statuses resolve: callers map them.
 */
export async function send(exchange: HttpExchange): Promise<HttpAnswer> {
  const watchdog = new Watchdog(exchange.timeoutMs, exchange.clock, exchange.signal);
  const { method, url, body } = exchange;
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method,
    headers: {
      ...exchange.headers,
      ...(body instanceof Uint8Array ? { 'content-length': String(body.byteLength) } : {}),
      ...(body === undefined && method !== 'GET' ? { 'content-length': '0' } : {}),
    },
    signal: watchdog.signal,
    // Only reads reuse kept-alive connections. A write sent on a socket the server is closing at
    // that moment fails after sending, and could then neither be retried nor sent to another
    // NameNode; on a fresh connection "not connected" reliably means "not run".
    ...(method === 'GET' ? {} : { agent: false }),
  });
  let connected = false;
  request.once('socket', (socket) => {
    if (!socket.connecting)
      connected = true; // a kept-alive socket is already connected
    else socket.once('connect', () => (connected = true));
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.on('error', reject); // kept: a destroyed request may emit again, and unheard errors crash
  });
  try {
    watchdog.arm();
    await writeBody(request, body, watchdog, answered, exchange.where);
    watchdog.arm(); // now waiting for the server to answer
    const response = await answered;
    watchdog.disarm();
    return { status: response.statusCode ?? 0, headers: response.headers, response, watchdog, exchange };
  } catch (error) {
    request.destroy();
    watchdog.dispose();
    throw networkError(error, exchange, watchdog, connected);
  }
}

/** The whole body as text, for JSON answers and error bodies; releases the exchange. */
export async function readText(answer: HttpAnswer): Promise<string> {
  const { response, watchdog, exchange } = answer;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    watchdog.arm();
    for await (const chunk of response) {
      watchdog.arm();
      size += (chunk as Buffer).byteLength;
      if (size > MAX_TEXT_BYTES)
        throw new BerthError(
          'STORE_ERROR',
          `${exchange.where}: ${exchange.server} sent over ${MAX_TEXT_BYTES} bytes`,
        );
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    response.destroy();
    throw networkError(error, exchange, watchdog, true);
  } finally {
    watchdog.dispose();
  }
}

/** Drops an answer whose body is of no interest (a redirect), freeing its connection. */
export function release(answer: HttpAnswer): void {
  answer.watchdog.dispose();
  answer.response.resume();
}

/**
 * The body as a Node stream that fails with STORE_UNREACHABLE ("the download was cut") when the
 * connection ends before `content-length` bytes arrived, or when the server goes silent: a killed
 * DataNode shows up as a short body, and a retry layer can resume from the bytes delivered.
 */
export function bodyStream(answer: HttpAnswer): Readable {
  const { response, watchdog, exchange } = answer;
  const header = response.headers['content-length'];
  const expected = header === undefined ? undefined : Number(header);
  let received = 0;
  let ended = false;
  const cut = (reason: string, cause?: unknown): BerthError => {
    if (watchdog.cancelled) return new BerthError('CANCELLED', `${exchange.where}: cancelled`, { cause });
    const why = watchdog.timedOut ? `no data within ${watchdog.timeoutMs} ms` : reason;
    return new BerthError(
      'STORE_UNREACHABLE',
      `${exchange.where}: the download from ${exchange.server} was cut after ${received} bytes (${why})`,
      { cause },
    );
  };
  const stream = new Readable({
    read() {
      watchdog.arm(); // waiting on the server again
      response.resume();
    },
    destroy(error, callback) {
      watchdog.dispose();
      response.destroy();
      callback(error);
    },
  });
  response.pause();
  response.on('data', (chunk: Buffer) => {
    received += chunk.byteLength;
    if (!stream.push(chunk)) {
      watchdog.disarm(); // the consumer, not the server, is taking time
      response.pause();
    }
  });
  response.once('end', () => {
    ended = true;
    watchdog.dispose();
    if (expected !== undefined && Number.isSafeInteger(expected) && received < expected)
      stream.destroy(cut(`${expected - received} of ${expected} bytes missing`));
    else stream.push(null);
  });
  response.on('error', (error) => stream.destroy(cut(describeCause(error), error)));
  response.once('close', () => {
    if (!ended && !stream.destroyed) stream.destroy(cut('connection closed'));
  });
  return stream;
}

/**
 * Writes the request body, stopping early when the server answers first (an early error). A
 * failure to read `body` itself is STORE_ERROR: the data to upload is at fault, not the store.
 */
async function writeBody(
  request: ClientRequest,
  body: Readable | Uint8Array | undefined,
  watchdog: Watchdog,
  answered: Promise<IncomingMessage>,
  where: string,
): Promise<void> {
  if (body === undefined || body instanceof Uint8Array) {
    request.end(body);
    return;
  }
  let early = false;
  answered.then(
    () => (early = true),
    () => (early = true),
  );
  const chunks = body[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<unknown>;
    try {
      next = await chunks.next();
    } catch (error) {
      throw new BerthError(
        'STORE_ERROR',
        `${where}: cannot read the data to upload (${describeCause(error)})`,
        {
          cause: error,
        },
      );
    }
    if (next.done || early || request.destroyed) break;
    watchdog.arm(); // each chunk the server takes is progress
    const chunk = next.value;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    if (!request.write(bytes)) await drained(request, answered);
  }
  await chunks.return?.(); // stops the source when the loop ended early; a no-op after the end
  request.end();
}

function drained(request: ClientRequest, answered: Promise<IncomingMessage>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      request.off('drain', done);
      request.off('error', reject);
      resolve();
    };
    request.once('drain', done);
    request.once('error', reject);
    answered.then(done, reject);
  });
}

/** Socket codes that mean the connection was never made, so the request was never sent. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** Maps a failed exchange: CANCELLED, NotSentError, or STORE_UNREACHABLE naming the server. */
function networkError(
  error: unknown,
  exchange: HttpExchange,
  watchdog: Watchdog,
  connected: boolean,
): BerthError {
  if (error instanceof BerthError) return error;
  const { where, server } = exchange;
  if (watchdog.cancelled) return new BerthError('CANCELLED', `${where}: cancelled`, { cause: error });
  if (watchdog.timedOut) {
    const message = `${where}: no answer from ${server} within ${watchdog.timeoutMs} ms`;
    return connected
      ? new BerthError('STORE_UNREACHABLE', message, { cause: error })
      : new NotSentError(message, error);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = `${where}: cannot reach ${server} (${describeCause(error)})`;
  if (!connected && (code === undefined || NOT_CONNECTED.has(code))) return new NotSentError(message, error);
  return new BerthError('STORE_UNREACHABLE', message, { cause: error });
}
