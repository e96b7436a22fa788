/**
 * A page of shipped files: its HTML at `pageUrl`, and its other files at `filesUrl/:file`. A name the
 * page does not ship is a 404 naming the page (never a path on disk: only the names in the table exist).
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { BerthError } from '../../core/errors.js';
import type { StaticFiles } from '../../server/static-files.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';

export interface PageSpec {
  /** In messages: `no dashboard file "x"`. */
  readonly page: string;
  readonly files: StaticFiles<string>;
  readonly pageUrl: string;
  readonly filesUrl: string;
  readonly tag: string;
  /** operationIds `${operationId}Page` and `${operationId}File`. */
  readonly operationId: string;
  readonly pageSummary: string;
  readonly fileSummary: string;
}

export function registerPageRoutes(routes: ApiRoutes, spec: PageSpec): void {
  const { files, page, tag } = spec;
  const send = async (name: string, reply: FastifyReply) => {
    if (!files.has(name)) throw new BerthError('ROUTE_NOT_FOUND', `no ${page} file "${name}"`);
    const file = await files.read(name);
    // Revalidated on each load, so a page after an upgrade never mixes old and new files.
    return reply.type(file.contentType).header('cache-control', 'no-cache').send(file.body);
  };

  routes.add(
    {
      method: 'GET',
      url: spec.pageUrl,
      operationId: `${spec.operationId}Page`,
      tag,
      summary: spec.pageSummary,
      responses: {
        200: { description: 'The page.', text: ['text/html'] },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async (_input, _request, reply) => send('index.html', reply),
  );

  routes.add(
    {
      method: 'GET',
      url: `${spec.filesUrl}/:file`,
      operationId: `${spec.operationId}File`,
      tag,
      summary: spec.fileSummary,
      params: z.object({ file: z.string().describe(`One of ${files.names.join(', ')}.`) }),
      responses: {
        200: { description: 'The file.', text: files.contentTypes },
        ...errorResponses(...COMMON_ERRORS, 404),
      },
    },
    async ({ params }, _request, reply) => send(params.file, reply),
  );
}
