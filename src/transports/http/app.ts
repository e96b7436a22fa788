/**
 * The HTTP transport: a fastify app whose routes only translate between the wire and the DataPlane.
 * Everything it needs is injected, so tests drive it in-process with `app.inject`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { BerthError } from '../../core/errors.js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import type { Logger } from '../../observability/logger.js';
import type { MetricsSource } from '../../observability/metrics.js';
import { INFERENCE_HEADER } from '../../protocol/v2/binary-message.js';
import { parseJsonText } from '../../protocol/v2/json-text.js';
import { readBinaryBody } from './binary-body.js';
import { fromFrameworkError, httpStatusOf } from './error-status.js';
import type { DashboardSource } from '../../server/dashboard/dashboard-source.js';
import { ApiRoutes, PATH_SEGMENT_MAX_BYTES } from './api-routes.js';
import { registerDashboardRoutes } from './routes-dashboard.js';
import { registerDocsRoutes } from './routes-docs.js';
import { registerOpsRoutes } from './routes-ops.js';
import { registerTfServingRoutes } from './routes-tfserving.js';
import { registerV2Routes } from './routes-v2.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route decodes its JSON body text itself (the v2 infer routes: infer-request-scanner.ts). */
    readonly rawJsonBody?: boolean;
  }
}

export interface HttpAppOptions {
  readonly dataPlane: DataPlane;
  /** What /metrics answers: this process's registry, or the cluster's aggregate. */
  readonly metrics: MetricsSource;
  readonly logger: Logger;
  /** Largest request body accepted, bytes. */
  readonly bodyLimit: number;
  /** The dashboard at `/` and its document; no dashboard routes without it (transport tests). */
  readonly dashboard?: DashboardSource;
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
    // `/v2/` is `/v2`, as clients that join a base URL and a path with a slash send it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: PATH_SEGMENT_MAX_BYTES },
    // Bad URL encoding and over-long path segments are answered before routing, by default in
    // fastify's own body shape: give them ours.
    frameworkErrors: (error, request, reply) => replyWithError(error, request, reply, bodyLimit),
  });

  // JSON for every other content type: `curl -d` sends form-urlencoded, and the body is JSON on every route.
  app.removeAllContentTypeParsers();
  // Routes with `rawJsonBody` get the text: JSON.parse would box every tensor element first.
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, request.routeOptions.config.rawJsonBody === true ? body : parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Binary tensor extension: with Inference-Header-Content-Length the body stays bytes for the v2
  // infer route to split (binary-message.ts); without it the whole body is JSON, as on every route.
  app.addContentTypeParser(
    'application/octet-stream',
    async (request: FastifyRequest, payload: IncomingMessage): Promise<unknown> => {
      const body = await readBinaryBody(request, payload, bodyLimit);
      if (request.headers[INFERENCE_HEADER] !== undefined) return body;
      const text = body.toString('utf8');
      return request.routeOptions.config.rawJsonBody === true ? text : parseJsonBody(text);
    },
  );

  // Every route goes through the table, so /openapi.json describes exactly what is served; one
  // registered around it (app.get) would be missing from the document, and stops the start.
  const routes = new ApiRoutes(app);

  const { admission } = dataPlane;
  app.addHook('onRequest', async (request, reply) => {
    // 'close' comes once per response, also when the client left before it was sent; onResponse does
    // not run then, and the count would never reach zero for shutdown to go on.
    reply.raw.once('close', admission.track());
    reply.header('x-request-id', request.id);
    if (request.is404) throw unrouted(routes, request, reply);
    // The header marks a binary body whatever its content type (`curl --data-binary` says form data).
    if (request.headers[INFERENCE_HEADER] !== undefined)
      request.headers['content-type'] = 'application/octet-stream';
    if (!request.url.startsWith('/v2/health') && request.url !== '/metrics') admission.assertAccepting();
  });

  app.setErrorHandler((error, request, reply) => replyWithError(error, request, reply, bodyLimit));

  // Answered before the body is read: an unknown path is a 404 (a known one a 405) whatever the body
  // or its content type; the onRequest hook sends these, this is for fastify's own not-found path.
  app.setNotFoundHandler((request, reply) => {
    throw unrouted(routes, request, reply);
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // fastify adds a HEAD route of its own for every GET one.
    if (methods.every((method) => method === 'HEAD')) return;
    if (!routes.specs.some((spec) => spec.url === route.url && methods.includes(spec.method)))
      throw new Error(`route ${methods.join(',')} ${route.url} is not in the route table (api-routes.ts)`);
  });
  registerV2Routes(routes, dataPlane);
  registerTfServingRoutes(routes, dataPlane);
  registerOpsRoutes(routes, options.metrics);
  if (options.dashboard) registerDashboardRoutes(routes, options.dashboard);
  registerDocsRoutes(routes, {
    title: 'Berth',
    version: dataPlane.serverMetadata().version,
    description:
      "Serving API of a Berth server: the Open Inference Protocol (KServe V2) with Triton's extensions, TensorFlow Serving paths, metrics and the dashboard. Errors are `{error, code}`; codes are listed in docs/errors.md.",
  });
  return app;
}

/** A request no route takes: 405 with Allow when the path is served with other methods, else 404. */
function unrouted(routes: ApiRoutes, request: FastifyRequest, reply: FastifyReply): BerthError {
  const path = request.url.split('?')[0]!;
  // RFC 9110 §15.5.6: the methods the path takes go in Allow (HEAD with every GET, as fastify serves it).
  const allowed = routes.methodsAt(path);
  if (allowed.length === 0) return new BerthError('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${path}`);
  reply.header('allow', [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].join(', '));
  return new BerthError('METHOD_NOT_ALLOWED', `${request.method} ${path}: expected ${allowed.join(' or ')}`);
}

/** Every error answer: the BerthError body, its status, one log line at the level it deserves. */
function replyWithError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  bodyLimit: number,
): void {
  const typed = fromFrameworkError(error, bodyLimit);
  const status = httpStatusOf(typed);
  const fields = { err: typed.stableId, status, url: request.url };
  // Overload and draining answers are counted in metrics; a log line each would add load exactly
  // when the server has none to spare, so they go to debug. So does the answer to a client that
  // left: nobody reads it, and it is no server fault.
  if (typed.code === 'UNAVAILABLE' || reply.raw.destroyed) request.log.debug(fields, typed.message);
  else if (status >= 500) request.log.error({ ...fields, cause: typed.cause }, typed.message);
  else request.log.info(fields, typed.message);
  // Framework errors answered before routing skip the onRequest hook that sets it.
  reply.header('x-request-id', request.id);
  if (typed.id === 'SHUTTING_DOWN') reply.header('connection', 'close');
  // RFC 9110 §10.2.3: a full queue drains in well under a second; tell clients when to come back.
  if (typed.id === 'QUEUE_FULL') reply.header('retry-after', '1');
  void reply.code(status).send({ error: typed.message, code: typed.stableId });
}

const parseJsonBody = parseJsonText;
