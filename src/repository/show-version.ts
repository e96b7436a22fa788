/**
 * What `berth models show` prints: one published version's files and lineage, read from its
 * MANIFEST.json. A target is `<store>/<model>/<version>`, `<store>/<model>@<version>`, or
 * `<store>/<model>` for the latest published version.
 */
import { parseModelRef } from '../core/model-ref.js';
import type { Manifest } from './manifest.js';
import { withRetries, type RetryingStoreOptions } from '../storage/retrying-store.js';
import { storeUriOf } from '../storage/store-path.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { isVersionName, readManifest, resolveVersion } from './versions.js';

/** One version's URI and manifest. */
export interface ShownVersion {
  readonly uri: string;
  readonly version: number;
  readonly manifest: Manifest;
}

/** Reads the manifest of the version `target` names (latest published when it names none). */
export async function showModelVersion(
  target: string,
  stores: StoreRegistry,
  options: { readonly retry?: RetryingStoreOptions } = {},
): Promise<ShownVersion> {
  const trimmed = target.replace(/\/+$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  // `<store>/<model>/<version>` reads as `<store>/<model>@<version>`.
  const ref =
    isVersionName(last) && trimmed.lastIndexOf('/') > 0
      ? `${trimmed.slice(0, -last.length - 1)}@${last}`
      : trimmed;
  const source = parseModelRef(ref, undefined);
  const store = withRetries(stores.resolve(source.storeUri), options.retry);
  const version = await resolveVersion(store, source.name, source.version);
  const manifest = await readManifest(store, source.name, version);
  return { uri: storeUriOf(store.uri, `${source.name}/${version}`), version, manifest };
}

/** The human form: the URI, the files, then the lineage as indented key: value lines. */
export function formatShownVersion(shown: ShownVersion): string[] {
  const { manifest } = shown;
  const lines = [shown.uri, `published: ${manifest.createdAt}`, 'files:'];
  for (const file of manifest.files) lines.push(`  ${file.path}\t${file.size} bytes\tsha256 ${file.sha256}`);
  const keys = Object.keys(manifest.lineage);
  lines.push(keys.length === 0 ? 'lineage: none recorded' : 'lineage:');
  for (const key of keys) lines.push(...formatValue(key, manifest.lineage[key], '  '));
  return lines;
}

function formatValue(key: string, value: unknown, indent: string): string[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [`${indent}${key}: {}`];
    return [`${indent}${key}:`, ...entries.flatMap(([inner, one]) => formatValue(inner, one, `${indent}  `))];
  }
  if (Array.isArray(value) && value.some((item) => typeof item === 'object' && item !== null)) {
    return [
      `${indent}${key}:`,
      ...value.map(
        (item) => `${indent}  - ${typeof item === 'object' ? JSON.stringify(item) : String(item)}`,
      ),
    ];
  }
  return [`${indent}${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`];
}
