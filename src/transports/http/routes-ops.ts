/** Operational endpoints: Prometheus metrics from the injected source (one process, or every worker). */
import type { MetricsSource } from '../../observability/metrics.js';
import { errorResponses } from './api-responses.js';
import type { ApiRoutes } from './api-routes.js';

export function registerOpsRoutes(routes: ApiRoutes, metrics: MetricsSource): void {
  routes.add(
    {
      method: 'GET',
      url: '/metrics',
      operationId: 'metrics',
      tag: 'Operations',
      summary: 'Prometheus metrics (text exposition format), of every worker',
      // Scraped while draining too (app.ts): no 503 from admission.
      responses: {
        200: { description: 'The metrics.', text: [metrics.contentType.split(';')[0]!] },
        ...errorResponses(400, 500),
      },
    },
    async (_input, _request, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );
}
