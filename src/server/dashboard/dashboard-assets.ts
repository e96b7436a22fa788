/**
 * The dashboard page's files, next to this module (scripts/copy-assets.mjs copies them into the
 * build): a few tens of kB, served from memory.
 */
import { staticFiles } from '../static-files.js';

const asset = (name: string, contentType: string) => ({
  url: new URL(`./assets/${name}`, import.meta.url),
  contentType,
});

export const DASHBOARD_FILES = staticFiles({
  'index.html': asset('index.html', 'text/html; charset=utf-8'),
  'dashboard.css': asset('dashboard.css', 'text/css; charset=utf-8'),
  'dashboard.js': asset('dashboard.js', 'text/javascript; charset=utf-8'),
  'charts.js': asset('charts.js', 'text/javascript; charset=utf-8'),
  'try-it.js': asset('try-it.js', 'text/javascript; charset=utf-8'),
});
