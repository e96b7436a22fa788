/**
 * The API's own description: `/openapi.json` (built once, on first request, from the route table,
 * which by then holds every route) and the browsable page at `/docs` (Swagger UI, shipped).
 */
import { z } from 'zod';
import { API_DOCS_FILES } from '../../server/api-docs/api-docs-assets.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';
import { staticFileSender } from './send-static-file.js';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi-document.js';

const TAG = 'API docs';

const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document.' });

export function registerDocsRoutes(routes: ApiRoutes, info: OpenApiInfo): void {
  let document: string | undefined;
  const sendFile = staticFileSender(API_DOCS_FILES, 'docs');

  routes.add(
    {
      method: 'GET',
      url: '/openapi.json',
      operationId: 'openApiDocument',
      tag: TAG,
      summary: 'This document: every route, generated from the schemas that check requests',
      responses: {
        200: { description: 'The OpenAPI 3.1 document.', json: OpenApiDocument },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async (_input, _request, reply) => {
      document ??= JSON.stringify(buildOpenApiDocument(routes.specs, info));
      return reply.type('application/json; charset=utf-8').send(document);
    },
  );

  routes.add(
    {
      method: 'GET',
      url: '/docs',
      operationId: 'apiDocsPage',
      tag: TAG,
      summary: 'The API docs page (Swagger UI over /openapi.json)',
      responses: {
        200: { description: 'The page.', text: ['text/html'] },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async (_input, _request, reply) => sendFile('index.html', reply),
  );

  routes.add(
    {
      method: 'GET',
      url: '/docs/:file',
      operationId: 'apiDocsFile',
      tag: TAG,
      summary: "One of the docs page's files",
      params: z.object({ file: z.string().describe(`One of ${API_DOCS_FILES.names.join(', ')}.`) }),
      responses: {
        200: { description: 'The file.', text: API_DOCS_FILES.contentTypes },
        ...errorResponses(...COMMON_ERRORS, 404),
      },
    },
    async ({ params }, _request, reply) => sendFile(params.file, reply),
  );
}
