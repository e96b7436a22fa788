/**
 * Parsers for the folder listings plain web servers produce, which is all the http store has to
 * list a folder with: nginx's `autoindex_format json`, and HTML indexes (nginx's default autoindex,
 * Apache's mod_autoindex, python's http.server), whose only reliable content is their links.
 */
import { BerthError } from '../../../core/errors.js';

/** One child of a listed folder; `size` is absent when the listing does not give it (HTML). */
export interface IndexEntry {
  readonly name: string;
  readonly type: 'file' | 'directory';
  readonly size?: number;
  readonly modifiedMs?: number;
}

/** Parses nginx's JSON autoindex: `[{name, type, size?, mtime}]`; `where` names it in errors. */
export function parseJsonIndex(text: string, where: string): IndexEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BerthError('STORE_ERROR', `${where}: folder listing is not valid JSON`, { cause: error });
  }
  if (!Array.isArray(value))
    throw new BerthError('STORE_ERROR', `${where}: JSON folder listing must be an array`);
  const entries: IndexEntry[] = [];
  for (const item of value as unknown[]) {
    const { name, type, size, mtime } = (item ?? {}) as Record<string, unknown>;
    // nginx says "other" for sockets and the like: nothing a model could be made of.
    if (typeof name !== 'string' || !isChildName(name) || (type !== 'file' && type !== 'directory')) continue;
    const modifiedMs = typeof mtime === 'string' ? Date.parse(mtime) : Number.NaN;
    entries.push({
      name,
      type,
      ...(type === 'file' && typeof size === 'number' ? { size } : {}),
      ...(Number.isFinite(modifiedMs) ? { modifiedMs } : {}),
    });
  }
  return entries;
}

const HREF = /<a\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;

/**
 * Parses an HTML folder index at `listingUrl` (which ends in '/'): every link that resolves to a
 * direct child of that folder is an entry, a trailing '/' marks a folder. Links to the parent,
 * to sort orders (`?C=N;O=D`) or to other sites are not children, so they drop out.
 */
export function parseHtmlIndex(html: string, listingUrl: URL): IndexEntry[] {
  const entries = new Map<string, IndexEntry>();
  for (const match of html.matchAll(HREF)) {
    const href = decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
    const child = childOf(href, listingUrl);
    if (child !== undefined && !entries.has(child.name)) entries.set(child.name, child);
  }
  return [...entries.values()];
}

function childOf(href: string, listingUrl: URL): IndexEntry | undefined {
  let target: URL;
  try {
    target = new URL(href, listingUrl);
  } catch {
    return undefined;
  }
  if (target.origin !== listingUrl.origin || target.search !== '' || target.hash !== '') return undefined;
  if (!target.pathname.startsWith(listingUrl.pathname)) return undefined;
  const rest = target.pathname.slice(listingUrl.pathname.length);
  const directory = rest.endsWith('/');
  const encoded = directory ? rest.slice(0, -1) : rest;
  if (encoded.length === 0 || encoded.includes('/')) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
  return isChildName(name) ? { name, type: directory ? 'directory' : 'file' } : undefined;
}

function isChildName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Attribute values are HTML-escaped (`&amp;`, `&#39;`): undo that before reading them as URLs. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, body: string) => {
    if (!body.startsWith('#')) return ENTITIES[body.toLowerCase()] ?? whole;
    const hex = body[1] === 'x' || body[1] === 'X';
    const code = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
