/**
 * The API's own description: `/openapi.json` (built once, on first request, from the route table,
 * which by then holds every route) and the browsable page at `/docs` (Swagger UI, shipped).
 */
import { z } from 'zod';
import { API_DOCS_FILES } from '../../server/api-docs/api-docs-assets.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';
import { registerPageRoutes } from './page-routes.js';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi-document.js';

const TAG = 'API docs';

const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: 'OpenApiDocument', description: 'An OpenAPI 3.1 document.' });

export function registerDocsRoutes(routes: ApiRoutes, info: OpenApiInfo): void {
  let document: string | undefined;

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

  registerPageRoutes(routes, {
    page: 'docs',
    files: API_DOCS_FILES,
    pageUrl: '/docs',
    filesUrl: '/docs',
    tag: TAG,
    operationId: 'apiDocs',
    pageSummary: 'The API docs page (Swagger UI over /openapi.json)',
    fileSummary: "One of the docs page's files",
  });
}
