/**
 * A small static file server over node:http for tests: it serves a local folder the way the web
 * servers Berth's http store targets do (python's http.server, nginx autoindex): GET/HEAD, single
 * byte ranges (RFC 9110 §14), a 301 to add the '/' of a folder, and HTML or JSON folder listings.
 */
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';

/** How the server behaves; defaults are a well-behaved server with HTML listings. */
export interface StaticHttpServerOptions {
  /** 'html' like python's http.server, 'json' like nginx `autoindex_format json`. */
  readonly listing?: 'html' | 'json';
  /** Answer every ranged GET with 200 and the whole file, as some servers do. */
  readonly ignoreRange?: boolean;
}

/** A running server: its base URL (ending in '/'), the requests it saw, and how to stop it. */
export interface StaticHttpServer {
  readonly url: string;
  readonly requests: { method: string; url: string; range?: string }[];
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 at an ephemeral port. */
export async function startStaticHttpServer(
  root: string,
  options: StaticHttpServerOptions = {},
): Promise<StaticHttpServer> {
  const base = resolve(root);
  const requests: StaticHttpServer['requests'] = [];
  const server = createServer((request, response) => {
    requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      ...(request.headers.range ? { range: request.headers.range } : {}),
    });
    serve(base, request, response, options).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}

async function serve(
  root: string,
  request: IncomingMessage,
  response: ServerResponse,
  options: StaticHttpServerOptions,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const urlPath = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
  const full = resolve(root, `.${urlPath}`);
  if (full !== root && !full.startsWith(root + sep)) {
    response.writeHead(403).end();
    return;
  }
  const info = await stat(full).catch(() => undefined);
  if (info === undefined || (urlPath.endsWith('/') && !info.isDirectory())) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  if (info.isDirectory()) {
    if (!urlPath.endsWith('/')) {
      response.writeHead(301, { location: `${request.url}/` }).end();
      return;
    }
    await sendListing(full, urlPath, request, response, options);
    return;
  }
  sendFile(full, info, request, response, options);
}

function sendFile(
  full: string,
  info: Stats,
  request: IncomingMessage,
  response: ServerResponse,
  options: StaticHttpServerOptions,
): void {
  const headers = {
    'content-type': 'application/octet-stream',
    'last-modified': info.mtime.toUTCString(),
    'accept-ranges': options.ignoreRange ? 'none' : 'bytes',
  };
  const range = options.ignoreRange ? undefined : request.headers.range;
  let start = 0;
  let end = info.size - 1;
  let status = 200;
  if (range !== undefined) {
    const parsed = parseRange(range, info.size);
    if (parsed === undefined) {
      response.writeHead(416, { ...headers, 'content-range': `bytes */${info.size}` }).end();
      return;
    }
    [start, end] = parsed;
    status = 206;
  }
  const length = Math.max(0, end - start + 1);
  response.writeHead(status, {
    ...headers,
    'content-length': String(length),
    ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
  });
  if (request.method === 'HEAD' || length === 0) {
    response.end();
    return;
  }
  createReadStream(full, { start, end }).pipe(response);
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped; undefined when unsatisfiable. */
function parseRange(header: string, size: number): [number, number] | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? undefined : [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  return start >= size || end < start ? undefined : [start, end];
}

async function sendListing(
  full: string,
  urlPath: string,
  request: IncomingMessage,
  response: ServerResponse,
  options: StaticHttpServerOptions,
): Promise<void> {
  const names = (await readdir(full)).sort();
  const entries = await Promise.all(
    names.map(async (name) => ({ name, info: await stat(join(full, name)) })),
  );
  let body: string;
  let type: string;
  if (options.listing === 'json') {
    type = 'application/json';
    body = JSON.stringify(
      entries.map(({ name, info }) => ({
        name,
        type: info.isDirectory() ? 'directory' : 'file',
        mtime: info.mtime.toUTCString(),
        ...(info.isDirectory() ? {} : { size: info.size }),
      })),
    );
  } else {
    // The shape of python's http.server listing: relative, percent-encoded hrefs, '/' on folders.
    type = 'text/html; charset=utf-8';
    const items = entries.map(({ name, info }) => {
      const link = encodeURIComponent(name) + (info.isDirectory() ? '/' : '');
      return `<li><a href="${escapeHtml(link)}">${escapeHtml(name)}${info.isDirectory() ? '/' : ''}</a></li>`;
    });
    body =
      `<!DOCTYPE HTML>\n<html><head><title>Directory listing for ${escapeHtml(urlPath)}</title></head>\n` +
      `<body><h1>Directory listing for ${escapeHtml(urlPath)}</h1><hr><ul>\n${items.join('\n')}\n</ul><hr></body></html>\n`;
  }
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(200, { 'content-type': type, 'content-length': String(bytes.byteLength) });
  response.end(request.method === 'HEAD' ? undefined : bytes);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
