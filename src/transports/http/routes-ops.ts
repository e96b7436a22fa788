/** Operational endpoints: Prometheus metrics from the injected registry. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export function registerOpsRoutes(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
