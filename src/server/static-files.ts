/**
 * Files a page needs, shipped in the package (no CDN, so the pages work on a server with no way
 * out). Only the files named are served; each is read once and kept in memory.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface StaticFiles<Name extends string> {
  readonly names: readonly Name[];
  /** The media types the files have, without parameters (for the OpenAPI document). */
  readonly contentTypes: readonly string[];
  has(name: string): name is Name;
  read(name: Name): Promise<StaticFile>;
}

/** By the served name's extension: the pages ship only these kinds. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

/** `files`: served name → where the file is. Throws at import for a kind not in CONTENT_TYPES. */
export function staticFiles<Name extends string>(files: Readonly<Record<Name, URL>>): StaticFiles<Name> {
  const names = Object.keys(files) as Name[];
  const typeOf = (name: Name): string => {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) throw new Error(`static file "${name}": no content type for its extension`);
    return type;
  };
  const types = new Map(names.map((name) => [name, typeOf(name)]));
  const cache = new Map<Name, Promise<StaticFile>>();
  return {
    names,
    contentTypes: [...new Set([...types.values()].map((type) => type.split(';')[0]!))],
    has: (name: string): name is Name => Object.hasOwn(files, name),
    read(name: Name): Promise<StaticFile> {
      let file = cache.get(name);
      if (file === undefined) {
        const contentType = types.get(name)!;
        file = readFile(files[name]).then((body) => ({ body, contentType }));
        // A failed read is not kept: the next request tries again.
        file.catch(() => cache.delete(name));
        cache.set(name, file);
      }
      return file;
    },
  };
}
