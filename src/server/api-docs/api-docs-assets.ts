/**
 * The API docs page at `/docs`: Swagger UI from the pinned swagger-ui-dist package (no CDN), and a
 * page of ours that points it at `/openapi.json`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { staticFiles } from '../static-files.js';

const require = createRequire(import.meta.url);
const swagger = (name: string, contentType: string) => ({
  url: pathToFileURL(require.resolve(`swagger-ui-dist/${name}`)),
  contentType,
});
const ours = (name: string, contentType: string) => ({
  url: new URL(`./assets/${name}`, import.meta.url),
  contentType,
});

export const API_DOCS_FILES = staticFiles({
  'index.html': ours('docs.html', 'text/html; charset=utf-8'),
  'docs.js': ours('docs.js', 'text/javascript; charset=utf-8'),
  'swagger-ui.css': swagger('swagger-ui.css', 'text/css; charset=utf-8'),
  'swagger-ui-bundle.js': swagger('swagger-ui-bundle.js', 'text/javascript; charset=utf-8'),
});
