/** Operational endpoints: Prometheus metrics from the injected source (one process, or every worker). */
import type { FastifyInstance } from 'fastify';
import type { MetricsSource } from '../../observability/metrics.js';

export function registerOpsRoutes(app: FastifyInstance, metrics: MetricsSource): void {
  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
}
