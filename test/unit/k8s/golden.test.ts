/** Every example spec under examples/k8s/ renders exactly its golden file under deploy/golden/. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { GOLDEN_DIR, REGENERATE, goldenCases, renderGolden } from '../../../scripts/golden-manifests.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cases = await goldenCases(root);

describe('golden manifests', () => {
  it('has the examples the docs promise', () => {
    const names = cases.map((c) => c.name);
    for (const name of [
      'serve-cpu',
      'serve-gpu-autoscale',
      'train',
      'train-multiworker',
      'batch',
      'batch-cron',
    ]) {
      assert.ok(names.includes(name), name);
    }
  });

  for (const entry of cases) {
    it(`${entry.name} matches ${GOLDEN_DIR}/${entry.name}.yaml`, async () => {
      const rendered = await renderGolden(root, entry.name);
      assert.ok(existsSync(entry.golden), `${GOLDEN_DIR}/${entry.name}.yaml is missing; run: ${REGENERATE}`);
      const golden = readFileSync(entry.golden, 'utf8');
      assert.equal(rendered, golden, `${GOLDEN_DIR}/${entry.name}.yaml is stale; run: ${REGENERATE}`);
    });
  }

  it('scales only on per-pod metrics that Berth exports', () => {
    const exported = new Set(
      createMetrics()
        .registry.getMetricsAsArray()
        .map((m) => m.name),
    );
    let seen = 0;
    for (const entry of cases) {
      for (const doc of parseAllDocuments(readFileSync(entry.golden, 'utf8'))) {
        const object = doc.toJS() as {
          kind: string;
          spec: { metrics?: { pods?: { metric: { name: string } } }[] };
        };
        if (object.kind !== 'HorizontalPodAutoscaler') continue;
        for (const metric of object.spec.metrics ?? []) {
          if (!metric.pods) continue;
          seen += 1;
          assert.ok(exported.has(metric.pods.metric.name), `${entry.name}: ${metric.pods.metric.name}`);
        }
      }
    }
    assert.ok(seen > 0, 'no example scales on a pods metric');
  });
});
