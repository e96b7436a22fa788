/**
 * /openapi.json against the real in-process server: it is a valid OpenAPI 3.1 document, every
 * operation in it is a route the server has, a route outside the table cannot be added, and real
 * answers (successes and errors) match the schemas the document gives for their status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify from 'fastify';
import { ApiRoutes } from '../../../../src/transports/http/api-routes.js';
import { addModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

type Json = Record<string, unknown>;
interface Operation {
  readonly responses: Record<string, { content?: Record<string, { schema: Json }>; headers?: Json }>;
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Json> };
}

describe('OpenAPI document', () => {
  let fixture: StoreFixture;
  let server: TestServer;
  let document: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: false });

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel() });
    server = await startTestServer({ store: fixture.uri, models: ['add'], cacheDir: fixture.cacheDir });
    await server.loaded;
    const answer = await fetch(`${server.url}/openapi.json`);
    assert.equal(answer.status, 200);
    document = (await answer.json()) as Document;
    ajv.addSchema({ $id: 'doc', components: document.components }, 'doc');
  });
  after(async () => {
    await server?.close();
    await fixture?.cleanup();
  });

  /** The schema the document gives an answer of `status` to `method path`, with refs resolvable. */
  function validate(method: string, path: string, status: number, body: unknown): void {
    const response = document.paths[path]?.[method]?.responses[String(status)];
    assert.ok(response, `${method.toUpperCase()} ${path} documents no ${status}`);
    const schema = response.content?.['application/json']?.schema;
    assert.ok(schema, `${method.toUpperCase()} ${path} ${status} has a JSON schema`);
    const check = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components')),
    );
    assert.ok(check(body), `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(check.errors)}`);
  }

  it('is OpenAPI 3.1 with components every $ref resolves to', () => {
    assert.equal(document.openapi, '3.1.0');
    const refs = JSON.stringify(document).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    assert.ok(refs.length > 20);
    for (const ref of refs)
      assert.ok(
        document.components.schemas[ref.slice('"#/components/schemas/'.length, -1)],
        `${ref} resolves`,
      );
    for (const [name, schema] of Object.entries(document.components.schemas))
      assert.doesNotThrow(
        () => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components', '"doc#/components'))),
        name,
      );
  });

  it('lists only routes the server has, each with an error answer and the request id header', async () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    assert.ok(operations.length >= 29, `${operations.length} operations`);
    for (const { path, method, operation } of operations) {
      // `{model}` filled in: the route answers something other than "no such endpoint". TF-Serving's
      // POST path carries its verb after the name (`/v1/models/x:predict`); a page's `{file}` is one
      // it ships, since any other is a plain 404 by design.
      const filled = path
        .replace('{file}', path.startsWith('/docs/') ? 'docs.js' : 'dashboard.js')
        .replace(/\{[^}]+\}/g, 'x');
      const url = method === 'post' && path.startsWith('/v1/models/') ? `${filled}:predict` : filled;
      const answer = await fetch(`${server.url}${url}`, { method: method.toUpperCase() });
      const body = answer.headers.get('content-type')?.startsWith('application/json')
        ? ((await answer.json()) as { code?: string })
        : (await answer.arrayBuffer(), {});
      assert.notEqual(body.code, 'BERTH_ERR_ROUTE_NOT_FOUND', `${method} ${path} is served`);
      assert.ok(operation.responses['500'], `${method} ${path} documents 500`);
      for (const response of Object.values(operation.responses))
        assert.ok(response.headers?.['x-request-id'], `${method} ${path}: x-request-id documented`);
    }
    for (const wanted of [
      '/v2/models/{model}/infer',
      '/v1/models/{model}',
      '/api/dashboard',
      '/docs',
      '/metrics',
    ])
      assert.ok(document.paths[wanted], wanted);
  });

  it('refuses a route registered around the table, so the document cannot miss one', async () => {
    const app = Fastify();
    const routes = new ApiRoutes(app);
    app.addHook('onRoute', (route) => {
      if (route.method !== 'HEAD' && !routes.specs.some((spec) => spec.url === route.url))
        throw new Error(`route ${route.url} is not in the route table`);
    });
    assert.throws(() => app.get('/outside', async () => ({})), /not in the route table/);
    await app.close();
  });

  it('describes the real answers: successes and errors, each under its status', async () => {
    const infer = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
        { name: 'b', datatype: 'FP32', shape: [1, 2], data: [3, 4] },
      ],
    };
    const cases: Array<[string, string, string, unknown?]> = [
      ['get', '/v2', '/v2'],
      ['get', '/v2/health/live', '/v2/health/live'],
      ['get', '/v2/health/ready', '/v2/health/ready'],
      ['get', '/v2/models/stats', '/v2/models/stats'],
      ['get', '/v2/models/{model}', '/v2/models/add'],
      ['get', '/v2/models/{model}/versions/{version}', '/v2/models/add/versions/1'],
      ['get', '/v2/models/{model}/config', '/v2/models/add/config'],
      ['get', '/v2/models/{model}/stats', '/v2/models/add/stats'],
      ['get', '/v2/models/{model}/ready', '/v2/models/add/ready'],
      ['get', '/v2/models/{model}', '/v2/models/absent'],
      ['get', '/v2/models/{model}/versions/{version}', '/v2/models/add/versions/9'],
      ['post', '/v2/models/{model}/infer', '/v2/models/add/infer', infer],
      ['post', '/v2/models/{model}/infer', '/v2/models/add/infer', { inputs: [] }],
      ['post', '/v2/models/{model}/infer', '/v2/models/add/infer', '{"inputs": ['],
      ['post', '/v2/repository/index', '/v2/repository/index', {}],
      ['post', '/v2/repository/index', '/v2/repository/index', { ready: 'yes' }],
      ['post', '/v2/repository/models/{model}/load', '/v2/repository/models/add/load', {}],
      ['get', '/v1/models/{model}', '/v1/models/add'],
      ['get', '/v1/models/{model}/metadata', '/v1/models/add/metadata'],
      ['post', '/v1/models/{model}', '/v1/models/add:predict', { instances: [{ a: [1, 2], b: [3, 4] }] }],
      ['post', '/v1/models/{model}', '/v1/models/add:classify', { instances: [] }],
      ['get', '/api/dashboard', '/api/dashboard'],
      ['get', '/api/dashboard', '/api/dashboard?since=soon'],
      ['get', '/openapi.json', '/openapi.json'],
    ];
    const statuses = new Set<number>();
    for (const [method, path, url, body] of cases) {
      const answer = await fetch(`${server.url}${url}`, {
        method: method.toUpperCase(),
        ...(body === undefined
          ? {}
          : {
              body: typeof body === 'string' ? body : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      });
      assert.ok(answer.headers.get('x-request-id'), `${url}: x-request-id`);
      statuses.add(answer.status);
      validate(method, path, answer.status, await answer.json());
    }
    // The cases reach successes, client errors and a not-found, not only 200s.
    assert.deepEqual([...statuses].sort(), [200, 400, 404]);
  });
});
