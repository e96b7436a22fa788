/**
 * The API docs page at `/docs`: Swagger UI from the pinned swagger-ui-dist package (no CDN), and a
 * page of ours that points it at `/openapi.json`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { staticFiles } from '../static-files.js';

const require = createRequire(import.meta.url);
const swagger = (name: string) => pathToFileURL(require.resolve(`swagger-ui-dist/${name}`));
const ours = (name: string) => new URL(`./assets/${name}`, import.meta.url);

export const API_DOCS_FILES = staticFiles({
  'index.html': ours('docs.html'),
  'docs.js': ours('docs.js'),
  'swagger-ui.css': swagger('swagger-ui.css'),
  'swagger-ui-bundle.js': swagger('swagger-ui-bundle.js'),
});
