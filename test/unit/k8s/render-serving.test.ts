/** A serving spec rendered as Service, Deployment, HPA and PDB, read as an operator would. */
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects are untyped JSON, read by path */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeploySpec } from '../../../src/k8s/deploy-spec.js';
import type { KubeObject } from '../../../src/k8s/kube-object.js';
import { renderManifests } from '../../../src/k8s/render.js';
import { STORE_ENV } from '../../../src/storage/store-settings-env.js';
import { createMetrics } from '../../../src/observability/metrics.js';

const serving = {
  name: 'ranker',
  model: { store: 'hdfs://nn:8020/models', name: 'ranker', version: 'latest', size: '2Gi' },
  image: 'berth:0.1.0',
  resources: { cpu: '2', memory: '4Gi' },
};

function render(value: unknown): KubeObject[] {
  return renderManifests(parseDeploySpec(value, 'test.yaml'));
}

function find(objects: KubeObject[], kind: string): KubeObject & { spec: any } {
  const found = objects.find((object) => object.kind === kind);
  assert.ok(found, `no ${kind} in ${objects.map((o) => o.kind).join(', ')}`);
  return found as KubeObject & { spec: any };
}

function container(objects: KubeObject[]): any {
  return find(objects, 'Deployment').spec.template.spec.containers[0];
}

describe('renderManifests: serving', () => {
  it('renders Service, Deployment, HPA, PDB in that order, all labelled', () => {
    const objects = render({ ...serving, namespace: 'ml', autoscaling: { min: 2, max: 20, cpu: 70 } });
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
    );
    for (const object of objects) {
      assert.equal(object.metadata.name, 'ranker');
      assert.equal(object.metadata.namespace, 'ml');
      assert.deepEqual(object.metadata.labels, {
        'app.kubernetes.io/name': 'berth',
        'app.kubernetes.io/instance': 'ranker',
        'app.kubernetes.io/component': 'serving',
        'app.kubernetes.io/managed-by': 'berth',
        'app.kubernetes.io/version': '0.1.0',
      });
    }
  });

  it('keeps selectors the same when image, replicas, labels or resources change', () => {
    const selectors = (objects: KubeObject[]) => [
      find(objects, 'Service').spec.selector,
      find(objects, 'Deployment').spec.selector,
      find(objects, 'PodDisruptionBudget').spec.selector,
    ];
    const before = selectors(render(serving));
    const after = selectors(
      render({
        ...serving,
        image: 'berth:0.2.0',
        replicas: 5,
        labels: { team: 'search' },
        resources: { cpu: '4', memory: '8Gi' },
      }),
    );
    assert.deepEqual(after, before);
    const pod = find(render(serving), 'Deployment').spec.template.metadata.labels;
    for (const [key, value] of Object.entries(before[0] as Record<string, string>))
      assert.equal(pod[key], value);
  });

  it('runs berth serve with the store, model, policy, cache dir and drain', () => {
    const c = container(
      render({ ...serving, batching: { maxBatchSize: 32, maxQueueDelayUs: 500 }, instances: 2 }),
    );
    assert.deepEqual(c.command, ['berth']);
    assert.deepEqual(c.args, [
      'serve',
      '--store',
      'hdfs://nn:8020/models',
      '--model',
      'ranker',
      '--version-policy',
      'latest',
      '--model-control-mode',
      'none',
      '--port',
      '8080',
      '--cache-dir',
      '/var/cache/berth/models',
      '--drain-timeout-ms',
      '30000',
      '--max-batch-size',
      '32',
      '--max-queue-delay-us',
      '500',
      '--instances',
      '2',
      '--workers',
      '2',
    ]);
    const pinned = container(render({ ...serving, model: { ...serving.model, version: 7 } }));
    assert.deepEqual(pinned.args.slice(3, 6), ['--model', 'ranker@7', '--model-control-mode']);
  });

  it('derives the startup probe from size, bandwidth and budgets; probes the V2 health routes', () => {
    const c = container(
      render({
        ...serving,
        model: { ...serving.model, size: '8Gi' },
        startup: { bandwidth: '20Mi', periodSeconds: 5 },
      }),
    );
    // 10 s start + ceil(8 GiB / 20 MiB/s) = 410 s pull + 30 s load + 30 s warm-up = 480 s.
    assert.equal(c.startupProbe.periodSeconds, 5);
    assert.equal(c.startupProbe.failureThreshold, 96);
    assert.deepEqual(c.startupProbe.httpGet, { path: '/v2/health/ready', port: 'http' });
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/v2/health/ready', port: 'http' });
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/v2/health/live', port: 'http' });
  });

  it('sleeps in preStop, then drains, within terminationGracePeriodSeconds', () => {
    const deployment = find(render({ ...serving, drain: { seconds: 45, preStopSeconds: 10 } }), 'Deployment');
    const c = deployment.spec.template.spec.containers[0];
    assert.deepEqual(c.lifecycle, { preStop: { sleep: { seconds: 10 } } });
    assert.ok(c.args.join(' ').includes('--drain-timeout-ms 45000'));
    assert.equal(deployment.spec.template.spec.terminationGracePeriodSeconds, 60);
  });

  it('sizes the model cache emptyDir from the versions held, and requests that disk', () => {
    const volumes = (value: unknown) =>
      Object.fromEntries(
        find(render(value), 'Deployment').spec.template.spec.volumes.map((v: any) => [
          v.name,
          v.emptyDir.sizeLimit,
        ]),
      );
    assert.deepEqual(volumes(serving), { 'model-cache': '2Gi', tmp: '256Mi' });
    assert.equal(
      volumes({ ...serving, model: { ...serving.model, version: 'latest:2' } })['model-cache'],
      '4Gi',
    );
    // Poll mode downloads the next version beside the served one.
    assert.equal(
      volumes({ ...serving, model: { ...serving.model, controlMode: 'poll' } })['model-cache'],
      '4Gi',
    );
    assert.equal(
      volumes({ ...serving, model: { ...serving.model, cacheSize: '10Gi' } })['model-cache'],
      '10Gi',
    );
    assert.equal(container(render(serving)).resources.requests['ephemeral-storage'], '2304Mi');
  });

  it('runs non-root on a read-only root file system, with writable /tmp and cache', () => {
    const pod = find(render(serving), 'Deployment').spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.runAsUser, 10001);
    assert.equal(pod.automountServiceAccountToken, false);
    const c = pod.containers[0];
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
    assert.deepEqual(
      c.volumeMounts.map((m: any) => m.mountPath),
      ['/var/cache/berth/models', '/tmp'],
    );
  });

  it('limits memory, requests CPU, and limits CPU only when asked', () => {
    assert.deepEqual(container(render(serving)).resources.limits, { memory: '4Gi' });
    const limited = container(render({ ...serving, resources: { cpu: '1', memory: '2Gi', cpuLimit: '2' } }));
    assert.deepEqual(limited.resources.limits, { memory: '2Gi', cpu: '2' });
  });

  it('runs one serving worker per whole core requested, one with a GPU, or as the spec says', () => {
    const workersOf = (value: unknown): string => {
      const args = container(render(value)).args as string[];
      return args[args.indexOf('--workers') + 1]!;
    };
    assert.equal(workersOf(serving), '2');
    assert.equal(workersOf({ ...serving, resources: { cpu: '1500m', memory: '4Gi' } }), '1');
    assert.equal(workersOf({ ...serving, resources: { cpu: '250m', memory: '4Gi' } }), '1');
    assert.equal(workersOf({ ...serving, resources: { cpu: '8', memory: '16Gi', gpu: 1 } }), '1');
    assert.equal(workersOf({ ...serving, workers: 3 }), '3');
  });

  it('asks for GPUs: limits, the NoSchedule toleration, --device cuda, the CUDA image', () => {
    const { image: _image, ...noImage } = serving;
    const objects = render({ ...noImage, resources: { cpu: '4', memory: '16Gi', gpu: 2 } });
    const pod = find(objects, 'Deployment').spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.resources.limits['nvidia.com/gpu'], 2);
    assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.deepEqual(c.args.slice(-2), ['--device', 'cuda']);
    assert.match(c.image, /^berth:.+-cuda$/);
    // An explicit image is kept as given.
    const explicit = container(render({ ...serving, resources: { cpu: '1', memory: '1Gi', gpu: 1 } }));
    assert.equal(explicit.image, 'berth:0.1.0');
    // CPU pods get no GPU toleration.
    assert.equal(find(render(serving), 'Deployment').spec.template.spec.tolerations, undefined);
  });

  it('leaves replicas to the HPA, scaling on CPU and on a per-pod metric Berth exports', () => {
    const objects = render({
      ...serving,
      replicas: 4,
      autoscaling: { min: 2, max: 20, cpu: 70, pods: { metric: 'berth_requests_in_flight', target: 8 } },
    });
    assert.equal(find(objects, 'Deployment').spec.replicas, undefined);
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ranker' });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 20);
    assert.deepEqual(hpa.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Pods',
        pods: {
          metric: { name: 'berth_requests_in_flight' },
          target: { type: 'AverageValue', averageValue: '8' },
        },
      },
    ]);
    const exported = exportedMetricNames();
    assert.ok(exported.includes('berth_requests_in_flight'));
    assert.equal(find(render({ ...serving, replicas: 4 }), 'Deployment').spec.replicas, 4);
  });

  it('reads store credentials from Secrets by the names Berth reads, never values', () => {
    const c = container(render({ ...serving, secrets: { s3: 's3-keys', hdfs: 'hdfs-token' } }));
    const fromSecrets = c.env.filter((e: any) => e.valueFrom?.secretKeyRef);
    assert.deepEqual(
      fromSecrets.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name]),
      [
        ['AWS_ACCESS_KEY_ID', 's3-keys'],
        ['AWS_SECRET_ACCESS_KEY', 's3-keys'],
        ['AWS_SESSION_TOKEN', 's3-keys'],
        ['BERTH_HDFS_USER', 'hdfs-token'],
        ['BERTH_HDFS_DELEGATION_TOKEN', 'hdfs-token'],
      ],
    );
    const known = new Set(STORE_ENV.map((v) => v.name));
    for (const e of fromSecrets) {
      assert.ok(known.has(e.name), `${e.name} is not read by the store settings`);
      assert.equal(e.valueFrom.secretKeyRef.key, e.name);
    }
  });

  it('spreads pods over zones and nodes and annotates them for Prometheus', () => {
    const template = find(render({ ...serving, grpcPort: 8081 }), 'Deployment').spec.template;
    assert.deepEqual(
      template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey),
      ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'],
    );
    assert.deepEqual(template.metadata.annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
    });
    const service = find(render({ ...serving, grpcPort: 8081 }), 'Service');
    assert.deepEqual(
      service.spec.ports.map((p: any) => [p.name, p.port]),
      [
        ['http', 8080],
        ['grpc', 8081],
      ],
    );
  });

  it('keeps a PDB that never blocks evicting unhealthy pods', () => {
    const pdb = find(
      render({ ...serving, disruptionBudget: { minAvailable: '50%' } }),
      'PodDisruptionBudget',
    );
    assert.equal(pdb.spec.minAvailable, '50%');
    assert.equal(pdb.spec.maxUnavailable, undefined);
    assert.equal(pdb.spec.unhealthyPodEvictionPolicy, 'AlwaysAllow');
  });
});

function exportedMetricNames(): string[] {
  const metrics = createMetrics();
  return metrics.registry.getMetricsAsArray().map((m) => m.name);
}
