/**
 * MANIFEST.json: written last into a version folder; its presence means "published". It lists every
 * file with its size and sha256 so a download can be verified before any runtime sees it.
 */
import { BerthError } from '../core/errors.js';

export const MANIFEST_FILE = 'MANIFEST.json';
export const MANIFEST_FORMAT = 1;

export interface ManifestFile {
  /** Path inside the version folder, '/'-separated. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex sha256 of the file's bytes. */
  readonly sha256: string;
}

export interface Manifest {
  readonly format: typeof MANIFEST_FORMAT;
  /** ISO-8601 time of publication. */
  readonly createdAt: string;
  readonly files: readonly ManifestFile[];
  /** Where the model came from: free-form keys (git commit, data URIs, training run id...). */
  readonly lineage: Readonly<Record<string, unknown>>;
}

/** Parses and checks MANIFEST.json bytes; `where` names the file in error messages. */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new BerthError('BAD_MANIFEST', `${where}: not valid JSON (${(error as Error).message})`);
  }
  const bad = (what: string): never => {
    throw new BerthError('BAD_MANIFEST', `${where}: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return bad('expected a JSON object');
  const record = value as Record<string, unknown>;
  if (record.format !== MANIFEST_FORMAT)
    bad(`"format" must be ${MANIFEST_FORMAT}, got ${JSON.stringify(record.format)}`);
  if (typeof record.createdAt !== 'string') bad('"createdAt" must be an ISO-8601 string');
  if (!Array.isArray(record.files)) return bad('"files" must be an array');
  const files = record.files.map((file: unknown, index: number): ManifestFile => {
    const entry = file as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null) return bad(`files[${index}] must be an object`);
    const { path, size, sha256 } = entry;
    if (
      typeof path !== 'string' ||
      path.length === 0 ||
      path.startsWith('/') ||
      path.split('/').includes('..')
    ) {
      return bad(`files[${index}].path must be a relative path without "..", got ${JSON.stringify(path)}`);
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      return bad(`files[${index}].size must be a non-negative integer`);
    }
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      return bad(`files[${index}].sha256 must be 64 lower-case hex digits`);
    }
    return { path, size, sha256 };
  });
  const lineage = record.lineage ?? {};
  if (typeof lineage !== 'object' || lineage === null || Array.isArray(lineage))
    bad('"lineage" must be an object');
  return {
    format: MANIFEST_FORMAT,
    createdAt: record.createdAt as string,
    files,
    lineage: lineage as Record<string, unknown>,
  };
}

/** Serialises a manifest with a stable key order, so identical inputs give identical bytes. */
export function serializeManifest(manifest: Manifest): Uint8Array {
  const ordered = {
    format: manifest.format,
    createdAt: manifest.createdAt,
    files: [...manifest.files]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map(({ path, size, sha256 }) => ({ path, size, sha256 })),
    lineage: manifest.lineage,
  };
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`, 'utf8');
}
