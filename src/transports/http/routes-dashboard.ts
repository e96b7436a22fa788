/**
 * The dashboard: the page at `/`, its files under `/dashboard/`, and the one JSON document the page
 * polls (`/api/dashboard`), which the dashboard source builds from every worker's part.
 */
import { z } from 'zod';
import { DASHBOARD_FILES } from '../../server/dashboard/dashboard-assets.js';
import { DashboardSnapshotSchema } from '../../server/dashboard/dashboard-schema.js';
import type { DashboardSource } from '../../server/dashboard/dashboard-source.js';
import { COMMON_ERRORS, errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';
import { staticFileSender } from './send-static-file.js';

const TAG = 'Dashboard';

export function registerDashboardRoutes(routes: ApiRoutes, dashboard: DashboardSource): void {
  const sendAsset = staticFileSender(DASHBOARD_FILES, 'dashboard');

  routes.add(
    {
      method: 'GET',
      url: '/',
      operationId: 'dashboardPage',
      tag: TAG,
      summary: 'The dashboard: models, sources, start-up times, live traffic, try it',
      responses: {
        200: { description: 'The page.', text: ['text/html'] },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async (_input, _request, reply) => sendAsset('index.html', reply),
  );

  routes.add(
    {
      method: 'GET',
      url: '/dashboard/:file',
      operationId: 'dashboardFile',
      tag: TAG,
      summary: "One of the dashboard page's files (scripts, styles)",
      params: z.object({ file: z.string().describe(`One of ${DASHBOARD_FILES.names.join(', ')}.`) }),
      responses: {
        200: { description: 'The file.', text: DASHBOARD_FILES.contentTypes },
        ...errorResponses(...COMMON_ERRORS, 404),
      },
    },
    async ({ params }, _request, reply) => sendAsset(params.file, reply),
  );

  routes.add(
    {
      method: 'GET',
      url: '/api/dashboard',
      operationId: 'dashboardSnapshot',
      tag: TAG,
      summary: "The dashboard's document: every model's state and source, and traffic per second",
      query: z.object({
        since: z
          .string()
          .regex(/^\d{0,12}$/, { error: 'expected a whole number of epoch seconds' })
          .optional()
          .describe('Epoch seconds: only traffic after it. Absent for the whole history kept.'),
      }),
      responses: {
        200: { description: 'The snapshot.', json: DashboardSnapshotSchema },
        ...errorResponses(...COMMON_ERRORS),
      },
    },
    async ({ query }, _request, reply) => {
      const since = query.since ? Number(query.since) : undefined;
      return reply.header('cache-control', 'no-store').send(await dashboard.snapshot(since));
    },
  );
}
