/**
 * The one table of HTTP routes: each entry says its method, URL, what it takes (path, query, body
 * schemas) and what it answers per status, and registers the fastify route from the same entry.
 * The OpenAPI document is built from this table (openapi-document.ts), and createHttpApp refuses to
 * start with a route that is not in it, so the document and the server cannot drift apart.
 */
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseInput } from '../../protocol/zod-input.js';

export type HttpMethod = 'GET' | 'POST';

/**
 * Longest path parameter the document promises, in characters. fastify's limit is on the segment
 * as sent, percent-encoded: 12 bytes a character (4 UTF-8 bytes, each `%XX`) fits every spelling.
 */
export const PATH_PARAM_MAX_CHARS = 128;
export const PATH_SEGMENT_MAX_BYTES = PATH_PARAM_MAX_CHARS * 12;

/** One documented answer. JSON bodies have a schema; other media types are text or bytes. */
export interface ResponseSpec {
  readonly description: string;
  readonly json?: z.ZodType;
  /** Media types answered as text (`text/html`) or bytes (`application/octet-stream`). */
  readonly text?: readonly string[];
  readonly binary?: readonly string[];
  readonly headers?: Readonly<Record<string, HeaderSpec>>;
}

export interface HeaderSpec {
  readonly description: string;
  readonly required: boolean;
  readonly schema: z.ZodType;
}

export interface BodySpec {
  readonly json: z.ZodType;
  readonly required: boolean;
  /**
   * 'schema': the table checks the body with `json` before the handler runs. 'codec': the handler's
   * own decoder checks it (the infer routes' scanner), and a seeded test holds it to `json`.
   */
  readonly checkedBy: 'schema' | 'codec';
  /** Also takes `application/octet-stream` (the binary tensor extension). */
  readonly binary?: { readonly description: string };
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  /** fastify syntax: `/v2/models/:model/infer`. */
  readonly url: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: P;
  readonly query?: Q;
  /** Request headers the route reads. */
  readonly headers?: Readonly<Record<string, HeaderSpec>>;
  readonly body?: BodySpec;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly config?: FastifyContextConfig;
}

/** What the handler gets: the checked path and query, and the body (checked when the table does). */
export interface RouteInput<P extends z.ZodType, Q extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  readonly body: unknown;
}

export type RouteHandler<P extends z.ZodType, Q extends z.ZodType> = (
  input: RouteInput<P, Q>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown>;

/** Registers routes on one app and keeps their specs, in registration order. */
export class ApiRoutes {
  readonly #specs: RouteSpec[] = [];
  /** Each route's URL as a regex over request paths, made once when it is added. */
  readonly #paths: Array<{ readonly pattern: RegExp; readonly method: HttpMethod }> = [];

  constructor(private readonly app: FastifyInstance) {}

  get specs(): readonly RouteSpec[] {
    return this.#specs;
  }

  /** The methods some route takes at `path` (a request path, no query): for a 405's Allow header. */
  methodsAt(path: string): HttpMethod[] {
    const methods = this.#paths.filter(({ pattern }) => pattern.test(path)).map(({ method }) => method);
    return (['GET', 'POST'] as const).filter((method) => methods.includes(method));
  }

  add<P extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<P, Q>, handler: RouteHandler<P, Q>): void {
    this.#specs.push(spec as unknown as RouteSpec);
    this.#paths.push({ pattern: urlPattern(spec.url), method: spec.method });
    const { params, query, body } = spec;
    this.app.route({
      method: spec.method,
      url: spec.url,
      config: spec.config ?? {},
      handler: async (request, reply) =>
        handler(
          {
            params: params ? parseInput(params, request.params, 'path parameter') : request.params,
            query: query ? parseInput(query, request.query, 'query parameter') : request.query,
            body:
              body?.checkedBy === 'schema'
                ? parseInput(body.json, request.body, 'request body')
                : request.body,
          } as RouteInput<P, Q>,
          request,
          reply,
        ),
    });
  }
}

/** `/v2/models/:model/infer` as a regex over request paths; a trailing slash reads as none, as in fastify. */
function urlPattern(url: string): RegExp {
  const segments = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}
