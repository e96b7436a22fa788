/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against the real
 * `berth serve` binary in explicit mode. The page shows a READY model with its source, the try-it
 * form answers with the model's own prediction (and its curl says the same), the charts move under
 * load, a model that cannot load shows FAILED with its reason, and /docs (Swagger UI over
 * /openapi.json) lists every operation and runs one against the server. Screenshots go to
 * BERTH_ARTIFACTS_DIR (default test-artifacts/browser), never into git. Waits are for states.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { denseReference, denseReluModel, denseReluWeights } from '../fixtures/onnx/models.js';
import { createStoreFixture, type StoreFixture } from '../support/model-store-fixture.js';
import { spawnServer, type ServerProcess } from '../support/spawn-server.js';

const executablePath = process.env.BERTH_CHROMIUM;
const artifacts = process.env.BERTH_ARTIFACTS_DIR ?? join('test-artifacts', 'browser');
const SEED = 7;

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`never happened: ${what}`);
}

describe(
  'dashboard in a real browser',
  { skip: executablePath ? false : 'no chromium (BERTH_CHROMIUM)' },
  () => {
    let fixture: StoreFixture;
    let server: ServerProcess;
    let browser: Browser;
    let page: Page;
    let url: string;
    const pageErrors: string[] = [];

    before(async () => {
      await mkdir(artifacts, { recursive: true });
      fixture = await createStoreFixture();
      await fixture.publish({
        name: 'ranker',
        onnx: denseReluModel(3, 2, SEED),
        config: { max_batch_size: 8 },
      });
      await fixture.publish({ name: 'broken', onnx: new Uint8Array([1, 2, 3]) });
      server = spawnServer(
        ['--store', fixture.uri, '--model', 'ranker', '--model-control-mode', 'explicit'],
        {
          BERTH_CACHE_DIR: fixture.cacheDir,
        },
      );
      url = await server.url;
      await server.waitForLog('ready');
      browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        // An error answer the page shows (a load that fails is a 400) is logged by the browser too: not a script error.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
          pageErrors.push(message.text());
      });
      await page.goto(url);
    });

    after(async () => {
      await browser?.close();
      server?.child.kill('SIGTERM');
      await server?.exited;
      await fixture?.cleanup();
    });

    it('shows the READY model with its source and start-up times', async () => {
      const row = page.locator('tr[data-model="ranker"][data-version="1"][data-state="READY"]');
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /ranker\/1/);
      assert.match((await row.textContent()) ?? '', /sha256 [0-9a-f]{12}/);
      assert.match((await row.textContent()) ?? '', /test: true/, 'the lineage');
      assert.match((await row.textContent()) ?? '', /load \d+ ms/);
      await page.screenshot({ path: join(artifacts, 'dashboard-ready.png'), fullPage: true });
    });

    it('the try-it form sends a V2 request and shows the model’s prediction and a curl that says the same', async () => {
      await page.locator('#try-inputs [data-input="x"]').waitFor();
      await page.fill('input[name="shape:x"]', '2, 3');
      await page.fill('textarea[name="data:x"]', '[[1, 2, 3], [-1, 0.5, 2]]');
      await page.click('#try-send');
      await page.locator('#try-status[data-status]').waitFor();
      assert.equal(await page.getAttribute('#try-status', 'data-status'), '200');
      assert.match((await page.textContent('#try-latency')) ?? '', /\d+(\.\d+)? ms/);
      const answer = JSON.parse((await page.textContent('#try-response')) ?? '') as {
        outputs: Array<{ data: number[] }>;
      };
      const wanted = denseReference(
        denseReluWeights(3, 2, SEED),
        new Float32Array([1, 2, 3, -1, 0.5, 2]),
        'relu',
      );
      assert.equal(answer.outputs[0]?.data.length, wanted.length);
      answer.outputs[0]!.data.forEach((value, i) => assert.ok(Math.abs(value - wanted[i]!) < 1e-5));

      const curl = (await page.textContent('#try-curl')) ?? '';
      assert.match(curl, /\/v2\/models\/ranker\/versions\/1\/infer/);
      // The copyable command, run by a shell as a user would paste it.
      const { stdout } = await promisify(execFile)('sh', ['-c', curl]).catch((error: Error) => {
        throw new Error(`the curl command failed: ${error.message}`);
      });
      assert.deepEqual(
        (JSON.parse(stdout) as { outputs: Array<{ data: number[] }> }).outputs[0]?.data,
        answer.outputs[0]?.data,
      );
      await page.screenshot({ path: join(artifacts, 'try-it.png'), fullPage: true });
    });

    it('the charts move under load', async () => {
      let running = true;
      const body = JSON.stringify({
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }],
      });
      const clients = Array.from({ length: 4 }, async () => {
        while (running)
          await fetch(`${url}/v2/models/ranker/infer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }).then((response) => response.arrayBuffer());
      });
      try {
        await until(async () => Number(await page.textContent('#stat-rps')) > 0, 'requests/s above zero');
        const before = Number(await page.getAttribute('#chart-requests', 'data-points'));
        await until(
          async () => Number(await page.getAttribute('#chart-requests', 'data-points')) > before,
          'more seconds in the chart',
        );
        assert.ok(
          Number(await page.getAttribute('#chart-requests', 'data-max')) > 0,
          'requests drawn above zero',
        );
        assert.notEqual(await page.textContent('#stat-p99'), '–', 'a latency for the seconds with requests');
        await page.screenshot({ path: join(artifacts, 'dashboard-under-load.png'), fullPage: true });
      } finally {
        running = false;
        await Promise.all(clients);
      }
    });

    it('/docs browses every route offline, and its "Try it out" answers from this server', async () => {
      const docs = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const elsewhere: string[] = [];
      // Anything the page asks of another host is refused and noted: the page must not need it.
      await docs.route('**/*', (route) => {
        if (new URL(route.request().url()).origin === new URL(url).origin) return route.continue();
        elsewhere.push(route.request().url());
        return route.abort();
      });
      docs.on('pageerror', (error) => pageErrors.push(`/docs: ${error.message}`));
      try {
        await docs.goto(`${url}/docs`);
        const infer = docs.locator('.opblock-summary-path[data-path="/v2/models/{model}/infer"]');
        await infer.first().waitFor();
        const documented = await docs.locator('.opblock').count();
        const { paths } = (await (await fetch(`${url}/openapi.json`)).json()) as {
          paths: Record<string, Record<string, unknown>>;
        };
        const operations = Object.values(paths).reduce(
          (sum, methods) => sum + Object.keys(methods).length,
          0,
        );
        assert.equal(documented, operations, 'one block per operation in /openapi.json');

        const ready = docs.locator('.opblock-get:has(.opblock-summary-path[data-path="/v2/health/ready"])');
        await ready.locator('.opblock-summary').click();
        await ready.locator('button.try-out__btn').click();
        await ready.locator('button.execute').click();
        const status = ready.locator('.live-responses-table tr.response .response-col_status').first();
        await status.waitFor();
        assert.match((await status.textContent()) ?? '', /200/);
        assert.match(
          (await ready.locator('.live-responses-table .microlight').first().textContent()) ?? '',
          /"ready": true/,
        );
        await docs.screenshot({ path: join(artifacts, 'api-docs.png'), fullPage: false });
        assert.deepEqual(elsewhere, [], 'no request left the server');
      } finally {
        await docs.close();
      }
    });

    it('loading a model that cannot load shows FAILED with its reason', async () => {
      await page.click('tr[data-model="broken"] button[data-op="load"]');
      const reason = page.locator('tr[data-model="broken"][data-state="FAILED"] .reason');
      await reason.waitFor({ timeout: 60_000 });
      assert.match((await reason.textContent()) ?? '', /BERTH_ERR_MODEL_LOAD_FAILED/);
      await page.screenshot({ path: join(artifacts, 'dashboard-failed.png'), fullPage: true });
      assert.deepEqual(pageErrors, [], 'no script error on the page');
    });
  },
);
