/**
 * The dashboard: the page at `/`, its files under `/dashboard/`, and the one JSON document the page
 * polls (`/api/dashboard`), which the dashboard source builds from every worker's part.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BerthError } from '../../core/errors.js';
import { dashboardAsset, isDashboardFile } from '../../server/dashboard/dashboard-assets.js';
import type { DashboardSource } from '../../server/dashboard/dashboard-source.js';

export function registerDashboardRoutes(app: FastifyInstance, dashboard: DashboardSource): void {
  const sendAsset = async (name: string, reply: FastifyReply) => {
    if (!isDashboardFile(name)) throw new BerthError('ROUTE_NOT_FOUND', `no dashboard file "${name}"`);
    const asset = await dashboardAsset(name);
    // Revalidated on each load, so a page after an upgrade never mixes old and new files.
    return reply.type(asset.contentType).header('cache-control', 'no-cache').send(asset.body);
  };

  app.get('/', async (_request, reply) => sendAsset('index.html', reply));

  app.get<{ Params: { file: string } }>('/dashboard/:file', async (request, reply) =>
    sendAsset(request.params.file, reply),
  );

  app.get<{ Querystring: { since?: string } }>('/api/dashboard', async (request, reply) => {
    const since = parseSince(request.query.since);
    return reply.header('cache-control', 'no-store').send(await dashboard.snapshot(since));
  });
}

/** `since`: epoch seconds, a whole number; absent for the whole history. */
function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,12}$/.test(raw))
    throw new BerthError(
      'INVALID_REQUEST',
      `query parameter "since" must be a whole number of epoch seconds, got "${raw.slice(0, 40)}"`,
    );
  return Number(raw);
}
