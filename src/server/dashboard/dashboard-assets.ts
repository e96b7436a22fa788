/**
 * The dashboard page's files, next to this module (scripts/copy-assets.mjs copies them into the
 * build): a few tens of kB, served from memory.
 */
import { staticFiles } from '../static-files.js';

const asset = (name: string) => new URL(`./assets/${name}`, import.meta.url);

export const DASHBOARD_FILES = staticFiles({
  'index.html': asset('index.html'),
  'dashboard.css': asset('dashboard.css'),
  'dashboard.js': asset('dashboard.js'),
  'charts.js': asset('charts.js'),
  'try-it.js': asset('try-it.js'),
});
