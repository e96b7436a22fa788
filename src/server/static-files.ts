/**
 * Files a page needs, shipped in the package (no CDN, so the pages work on a server with no way
 * out). Only the files named are served; each is read once and kept in memory.
 */
import { readFile } from 'node:fs/promises';

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

export interface StaticFiles<Name extends string> {
  readonly names: readonly Name[];
  readonly contentTypes: readonly string[];
  has(name: string): name is Name;
  read(name: Name): Promise<StaticFile>;
}

/** `files`: name → where it is and its Content-Type. */
export function staticFiles<Name extends string>(
  files: Readonly<Record<Name, { readonly url: URL; readonly contentType: string }>>,
): StaticFiles<Name> {
  const cache = new Map<Name, Promise<StaticFile>>();
  const names = Object.keys(files) as Name[];
  return {
    names,
    contentTypes: [...new Set(names.map((name) => files[name].contentType.split(';')[0]!))],
    has: (name: string): name is Name => Object.hasOwn(files, name),
    read(name: Name): Promise<StaticFile> {
      let file = cache.get(name);
      if (file === undefined) {
        const { url, contentType } = files[name];
        file = readFile(url).then((body) => ({ body, contentType }));
        // A failed read is not kept: the next request tries again.
        file.catch(() => cache.delete(name));
        cache.set(name, file);
      }
      return file;
    },
  };
}
