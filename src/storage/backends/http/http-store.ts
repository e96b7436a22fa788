/**
 * The read-only backend for `http://` and `https://` stores: any static web server with folder
 * listings (nginx autoindex, python's http.server) can serve models. Byte ranges follow RFC 9110
 * §14 (Range / 206 / Content-Range / 416); a server that ignores Range is handled client-side.
 */
import { Readable } from 'node:stream';
import { systemClock } from '../../../core/clock.js';
import { BerthError } from '../../../core/errors.js';
import { parseHtmlIndex, parseJsonIndex } from './http-index.js';
import type { IndexEntry } from './http-index.js';
import { onlyTemp, withoutTemp } from '../../model-store.js';
import { bodyStream, openFetch, requestError, statusError } from '../../http/fetch-exchange.js';
import type { RequestTiming } from '../../http/fetch-exchange.js';
import type { ModelStore, ReadOptions, StoreEntry, StoreFactory } from '../../model-store.js';
import type { StoreSettings } from '../../store-settings.js';
import { checkRange, checkStorePath, compareNames, storeUriOf } from '../../store-path.js';

/** Default bound on each wait for the server, when StoreSettings.requestTimeoutMs is not set. */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** How many HEAD requests run at once to size the files of an HTML listing. */
const STAT_CONCURRENCY = 8;

/** Opens an http(s) URL as a read-only store; nothing is requested until the first call. */
export const createHttpStore: StoreFactory = (uri, settings) => new HttpStore(uri, settings);

/** A read-only ModelStore over a static web server; every write throws STORE_READ_ONLY. */
export class HttpStore implements ModelStore {
  readonly uri: string;
  readonly writable = false;
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timing: Omit<RequestTiming, 'signal'>;

  constructor(uri: URL, settings: StoreSettings = {}) {
    if (uri.protocol !== 'http:' && uri.protocol !== 'https:') {
      throw new BerthError('UNSUPPORTED_STORE_URI', `${uri.protocol} is not http: or https:`);
    }
    const base = new URL(uri.href);
    // fetch refuses URLs with credentials; they become a Basic header and never reach messages.
    this.#headers = { 'accept-encoding': 'identity', ...basicAuth(base) };
    base.username = '';
    base.password = '';
    if (base.search !== '' || base.hash !== '') {
      throw new BerthError(
        'UNSUPPORTED_STORE_URI',
        `${base.href}: an http store URI takes no query or fragment`,
      );
    }
    this.uri = base.href.replace(/\/+$/, '');
    this.#base = `${this.uri}/`;
    this.#timing = {
      timeoutMs: settings.requestTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      clock: settings.clock ?? systemClock,
    };
  }

  async stat(path: string, signal?: AbortSignal): Promise<StoreEntry> {
    const clean = checkStorePath(path, this.uri);
    const name = clean.split('/').pop() || new URL(this.#base).pathname.split('/').at(-2) || '';
    if (clean.length > 0) {
      const response = await this.#fetch('HEAD', this.#fileUrl(clean), signal);
      // Servers redirect a folder's URL to the same URL with a trailing '/' (its listing).
      if (response.ok && !response.url.endsWith('/')) {
        return { name, type: 'file', size: await this.#size(response, clean, signal), ...modified(response) };
      }
      if (!response.ok && response.status !== 404) throw statusError(response, this.#where(clean));
    }
    // Not a file: a folder if its listing URL answers (some servers do not redirect to it).
    const response = await this.#fetch('HEAD', this.#folderUrl(clean), signal);
    if (!response.ok) throw statusError(response, this.#where(clean));
    return { name, type: 'directory', size: 0, ...modified(response) };
  }

  async list(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return withoutTemp(await this.#listAll(path, signal));
  }

  // A folder a file store writes to and a web server publishes shows a killed writer's temp files.
  async listTemp(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    return onlyTemp(await this.#listAll(path, signal));
  }

  async #listAll(path: string, signal?: AbortSignal): Promise<StoreEntry[]> {
    const clean = checkStorePath(path, this.uri);
    const where = this.#where(clean);
    const url = this.#folderUrl(clean);
    const { response: listing, watchdog } = await openFetch(
      url,
      { headers: { ...this.#headers, accept: 'application/json, text/html;q=0.9' } },
      { ...this.#timing, signal },
      where,
    );
    let text: string;
    try {
      if (!listing.ok) {
        await listing.body?.cancel();
        throw statusError(listing, where);
      }
      watchdog.arm(); // the listing's body is one more wait on the server
      text = await listing.text();
    } catch (error) {
      throw requestError(error, where, watchdog);
    } finally {
      watchdog.dispose();
    }
    const json =
      (listing.headers.get('content-type') ?? '').includes('json') || text.trimStart().startsWith('[');
    const found = json ? parseJsonIndex(text, where) : parseHtmlIndex(text, new URL(listing.url || url));
    const entries = await mapLimit(found, STAT_CONCURRENCY, (entry) => this.#complete(clean, entry, signal));
    return entries.filter((entry) => entry !== undefined).sort((a, b) => compareNames(a.name, b.name));
  }

  async read(path: string, options: ReadOptions = {}): Promise<Readable> {
    const { offset = 0, length, signal } = options;
    const clean = checkStorePath(path, this.uri);
    const where = this.#where(clean);
    checkRange(offset, length, where);
    if (length === 0) {
      await this.stat(clean, signal); // still fail for a missing file, as the other stores do
      return Readable.from([]);
    }
    const ranged = offset > 0 || length !== undefined;
    const range = `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    const { response, watchdog } = await openFetch(
      this.#fileUrl(clean),
      { headers: ranged ? { ...this.#headers, range } : this.#headers },
      { ...this.#timing, signal },
      where,
    );
    let window: { skip: number; limit?: number } | undefined;
    try {
      window = this.#window(response, where, { ranged, offset, length });
    } catch (error) {
      watchdog.dispose();
      throw error;
    }
    if (window === undefined || response.body === null) {
      watchdog.dispose();
      await response.body?.cancel();
      return Readable.from([]);
    }
    return bodyStream(response.body, window, watchdog, where);
  }

  async write(path: string): Promise<void> {
    throw this.#readOnly(path);
  }

  async rename(from: string): Promise<void> {
    throw this.#readOnly(from);
  }

  async delete(path: string): Promise<void> {
    throw this.#readOnly(path);
  }

  /**
   * Which bytes of a GET answer to hand on, or undefined for none (416: the range starts at or
   * past the end, which reads as empty, as it does in the file store). Throws for error statuses.
   */
  #window(
    response: Response,
    where: string,
    asked: { ranged: boolean; offset: number; length: number | undefined },
  ): { skip: number; limit?: number } | undefined {
    const limit = asked.length === undefined ? {} : { limit: asked.length };
    if (response.status === 416 && asked.ranged) return undefined;
    if (!response.ok) {
      void response.body?.cancel();
      throw statusError(response, where);
    }
    if (response.url.endsWith('/')) {
      void response.body?.cancel();
      throw new BerthError('STORE_ERROR', `${where}: is a folder, not a file`);
    }
    if (response.status === 206) {
      // Trust a 206 only if it starts where we asked (RFC 9110 §14.4); a multipart or shifted
      // answer would otherwise hand on the wrong bytes.
      const served = parseContentRange(response.headers.get('content-range'));
      if (!asked.ranged || served?.start !== asked.offset) {
        void response.body?.cancel();
        throw new BerthError(
          'STORE_ERROR',
          `${where}: asked for bytes from ${asked.offset}, the server sent ` +
            `${JSON.stringify(response.headers.get('content-range'))}`,
        );
      }
      return { skip: 0, ...limit };
    }
    // 200 to a Range request: the server ignored it and sends the whole file from byte 0.
    return { skip: asked.ranged ? asked.offset : 0, ...limit };
  }

  /** A file's size from a HEAD answer, or from a one-byte range when HEAD has no Content-Length. */
  async #size(head: Response, path: string, signal?: AbortSignal): Promise<number> {
    const length = Number(head.headers.get('content-length') ?? Number.NaN);
    if (Number.isSafeInteger(length) && length >= 0) return length;
    const probe = await this.#fetch('GET', this.#fileUrl(path), signal, { range: 'bytes=0-0' });
    await probe.body?.cancel();
    const total = parseContentRange(probe.headers.get('content-range'))?.total;
    if (total !== undefined) return total;
    throw new BerthError('STORE_ERROR', `${this.#where(path)}: the server does not tell the file's size`);
  }

  /** Fills in what an HTML listing leaves out (file sizes) with a HEAD per file. */
  async #complete(folder: string, entry: IndexEntry, signal?: AbortSignal): Promise<StoreEntry | undefined> {
    if (entry.type === 'directory') return { name: entry.name, type: 'directory', size: 0, ...at(entry) };
    if (entry.size !== undefined) return { name: entry.name, type: 'file', size: entry.size, ...at(entry) };
    try {
      return await this.stat(`${folder}/${entry.name}`, signal);
    } catch (error) {
      if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND') return undefined; // gone meanwhile
      throw error;
    }
  }

  /** One request whose body is not streamed (HEAD, probes); returns any status for the caller. */
  async #fetch(method: string, url: string, signal?: AbortSignal, extra: Record<string, string> = {}) {
    const { response, watchdog } = await openFetch(
      url,
      { method, headers: { ...this.#headers, ...extra } },
      { ...this.#timing, signal },
      url,
    );
    watchdog.dispose();
    return response;
  }

  #fileUrl(path: string): string {
    return this.#base + path.split('/').map(encodeURIComponent).join('/');
  }

  #folderUrl(path: string): string {
    return path.length === 0 ? this.#base : `${this.#fileUrl(path)}/`;
  }

  #where(path: string): string {
    return storeUriOf(this.uri, path);
  }

  #readOnly(path: string): BerthError {
    return new BerthError('STORE_READ_ONLY', `${this.#where(path)}: http(s) stores are read-only`);
  }
}

/** Parses `bytes a-b/total` or `bytes *\/total` (RFC 9110 §14.4). */
export function parseContentRange(
  header: string | null,
): { start?: number; end?: number; total?: number } | undefined {
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (match === null) return undefined;
  const [, start, end, total] = match;
  return {
    ...(start !== undefined ? { start: Number(start), end: Number(end) } : {}),
    ...(total !== undefined && total !== '*' ? { total: Number(total) } : {}),
  };
}

function basicAuth(url: URL): Record<string, string> {
  if (url.username === '' && url.password === '') return {};
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

function modified(response: Response): { modifiedMs?: number } {
  const ms = Date.parse(response.headers.get('last-modified') ?? '');
  return Number.isFinite(ms) ? { modifiedMs: ms } : {};
}

function at(entry: IndexEntry): { modifiedMs?: number } {
  return entry.modifiedMs === undefined ? {} : { modifiedMs: entry.modifiedMs };
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++)
      results[index] = await fn(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
