/**
 * The dashboard over HTTP, on the real in-process server: the page and only its own files, the
 * document with a loaded model, and a bad `since` answered 400 naming the parameter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DashboardSnapshot } from '../../../../src/server/dashboard/dashboard-snapshot.js';
import { addModel } from '../../../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../../../support/model-store-fixture.js';
import { startTestServer, type TestServer } from '../../../support/test-server.js';

describe('dashboard routes', () => {
  let fixture: StoreFixture;
  let server: TestServer;

  before(async () => {
    fixture = await createStoreFixture();
    await fixture.publish({ name: 'add', onnx: addModel() });
    server = await startTestServer({ store: fixture.uri, models: ['add'], cacheDir: fixture.cacheDir });
    await server.loaded;
  });
  after(async () => {
    await server?.close();
    await fixture?.cleanup();
  });

  it('serves the page at / and its scripts, with no CDN', async () => {
    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /src="\/dashboard\/dashboard\.js"/);
    assert.doesNotMatch(html, /https?:\/\//, 'every file comes from this server');
    const script = await fetch(`${server.url}/dashboard/dashboard.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await script.text(), /api\/dashboard/);
  });

  it('answers 404 for any other file, including a way out of the folder', async () => {
    for (const path of ['/dashboard/secret.txt', '/dashboard/..%2f..%2fpackage.json', '/dashboard/']) {
      const answer = await fetch(`${server.url}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(((await answer.json()) as { code: string }).code, 'BERTH_ERR_ROUTE_NOT_FOUND');
    }
  });

  it('answers the document with the loaded model and its source', async () => {
    const answer = await fetch(`${server.url}/api/dashboard`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const snapshot = (await answer.json()) as DashboardSnapshot;
    assert.equal(snapshot.server.workers, 1);
    assert.equal(snapshot.server.modelControl, 'none');
    const [model] = snapshot.models;
    assert.equal(model?.name, 'add');
    assert.equal(model?.versions[0]?.state, 'READY');
    assert.match(model?.versions[0]?.source.uri ?? '', /add\/1$/);
    assert.ok(snapshot.traffic.every((point) => point.t <= Math.floor(snapshot.server.now / 1000) - 2));
  });

  it('answers a bad since with 400 naming the parameter', async () => {
    for (const since of ['abc', '-1', '1.5']) {
      const answer = await fetch(`${server.url}/api/dashboard?since=${since}`);
      assert.equal(answer.status, 400, since);
      const body = (await answer.json()) as { error: string; code: string };
      assert.equal(body.code, 'BERTH_ERR_INVALID_REQUEST');
      assert.match(body.error, /"since"/);
    }
  });
});
