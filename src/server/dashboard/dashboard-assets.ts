/**
 * The dashboard page's files, shipped in the package next to this module (scripts/copy-assets.mjs
 * copies them into the build): no CDN, so the page works on a server with no way out. Only the
 * files named here are served; they are read once and kept in memory (a few tens of kB).
 */
import { readFile } from 'node:fs/promises';

export const DASHBOARD_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'try-it.js': 'text/javascript; charset=utf-8',
} as const;

export type DashboardFile = keyof typeof DASHBOARD_FILES;

export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const cache = new Map<DashboardFile, Promise<DashboardAsset>>();

export function isDashboardFile(name: string): name is DashboardFile {
  return Object.hasOwn(DASHBOARD_FILES, name);
}

export function dashboardAsset(name: DashboardFile): Promise<DashboardAsset> {
  let asset = cache.get(name);
  if (asset === undefined) {
    asset = readFile(new URL(`./assets/${name}`, import.meta.url)).then((body) => ({
      body,
      contentType: DASHBOARD_FILES[name],
    }));
    // A failed read is not kept: the next request tries again.
    asset.catch(() => cache.delete(name));
    cache.set(name, asset);
  }
  return asset;
}
