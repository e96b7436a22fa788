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
import { registerPageRoutes } from './page-routes.js';

const TAG = 'Dashboard';

export function registerDashboardRoutes(routes: ApiRoutes, dashboard: DashboardSource): void {
  registerPageRoutes(routes, {
    page: 'dashboard',
    files: DASHBOARD_FILES,
    pageUrl: '/',
    filesUrl: '/dashboard',
    tag: TAG,
    operationId: 'dashboard',
    pageSummary: 'The dashboard: models, sources, start-up times, live traffic, try it',
    fileSummary: "One of the dashboard page's files (scripts, styles)",
  });

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
