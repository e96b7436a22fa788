/** `berth k8s render <spec> [--namespace]` through a real commander program. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { registerK8sCommands } from '../../../src/cli/k8s.js';
import type { KubeObject } from '../../../src/k8s/kube-object.js';
import { berthError } from '../../support/store-assertions.js';

async function renderCli(spec: string, extra: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-k8s-cli-'));
  try {
    await writeFile(join(dir, 'berth.deploy.yaml'), spec);
    let out = '';
    const program = new Command('berth').exitOverride();
    registerK8sCommands(program, { write: (text: string) => (out += text) });
    await program.parseAsync(['k8s', 'render', join(dir, 'berth.deploy.yaml'), ...extra], { from: 'user' });
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SPEC = [
  'name: ranker',
  'namespace: ml',
  'model: { store: "hdfs://nn:8020/models", name: ranker, version: latest }',
  'image: berth:0.1.0',
  'resources: { cpu: "2", memory: 4Gi, gpu: 1 }',
  'autoscaling: { min: 2, max: 20, cpu: 70 }',
  '',
].join('\n');

describe('berth k8s render', () => {
  it('prints one YAML document per object, without anchors', async () => {
    const out = await renderCli(SPEC);
    assert.ok(out.startsWith('---\n'));
    assert.doesNotMatch(out, /[&*]a\d/);
    const objects = parseAllDocuments(out).map((doc) => doc.toJS() as KubeObject);
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
    );
    assert.ok(objects.every((o) => o.metadata.namespace === 'ml'));
  });

  it('--namespace puts every object in that namespace, over the spec', async () => {
    const out = await renderCli(SPEC, ['--namespace', 'staging']);
    const objects = parseAllDocuments(out).map((doc) => doc.toJS() as KubeObject);
    assert.ok(objects.every((o) => o.metadata.namespace === 'staging'));
    await assert.rejects(
      renderCli(SPEC, ['--namespace', 'Not_Valid']),
      berthError('DEPLOY_SPEC_INVALID', '--namespace'),
    );
  });

  it('fails with the spec file and the unknown key', async () => {
    await assert.rejects(
      renderCli(`${SPEC}replicaz: 3\n`),
      berthError('DEPLOY_SPEC_INVALID', 'berth.deploy.yaml', 'replicaz'),
    );
  });
});
