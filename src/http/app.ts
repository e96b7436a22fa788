/**
 * The HTTP transport: a fastify app whose routes only translate between the wire and the DataPlane.
 * Everything it needs is injected, so tests drive it in-process with `app.inject`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { BerthError } from '../core/errors.js';
import type { DataPlane } from '../dataplane/data-plane.js';
import type { Logger } from '../observability/logger.js';
import { fromFrameworkError, httpStatusOf } from './error-status.js';
import { RequestTracker } from './request-tracker.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerTfServingRoutes } from './routes-tfserving.js';
import { registerV2Routes } from './routes-v2.js';

export interface HttpAppOptions {
  readonly dataPlane: DataPlane;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  /** Largest request body accepted, bytes. */
  readonly bodyLimit: number;
  /** Counts requests for graceful shutdown; one is made when not given. */
  readonly tracker?: RequestTracker;
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const { dataPlane, bodyLimit } = options;
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // One log line per request costs more than the inference of a small model; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    // Our onRequest hook answers 503 with a BerthError body while draining, before and during close.
    return503OnClosing: false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });

  // JSON for every content type: `curl -d` sends form-urlencoded, and the body is JSON on every route.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, (body as string).length === 0 ? undefined : JSON.parse(body as string));
    } catch (error) {
      done(
        new BerthError('MALFORMED_JSON', `request body: not valid JSON (${(error as Error).message})`),
        undefined,
      );
    }
  });

  const tracker = options.tracker ?? new RequestTracker();
  app.addHook('onResponse', async () => tracker.finished());
  app.addHook('onRequest', async (request, reply) => {
    tracker.started();
    reply.header('x-request-id', request.id);
    if (dataPlane.draining && !request.url.startsWith('/v2/health') && request.url !== '/metrics') {
      throw new BerthError('SHUTTING_DOWN', 'the server is shutting down and takes no new requests');
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const typed = fromFrameworkError(error, bodyLimit);
    const status = httpStatusOf(typed);
    const fields = { err: typed.stableId, status, url: request.url };
    if (status >= 500) request.log.error({ ...fields, cause: typed.cause }, typed.message);
    else request.log.info(fields, typed.message);
    if (typed.id === 'SHUTTING_DOWN') reply.header('connection', 'close');
    void reply.code(status).send({ error: typed.message, code: typed.stableId });
  });

  app.setNotFoundHandler((request) => {
    throw new BerthError('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}`);
  });

  registerV2Routes(app, dataPlane);
  registerTfServingRoutes(app, dataPlane);
  registerOpsRoutes(app, options.metricsRegistry);
  return app;
}
