/**
 * A deployment spec as the Kubernetes objects that run it: pure data in a fixed order
 * (ConfigMaps, Services, workloads, HorizontalPodAutoscaler, PodDisruptionBudget), so the same
 * spec always renders the same YAML and an applier can create them front to back.
 */
import { workloadKind, type DeploySpec } from './deploy-spec.js';
import { workloadImage } from './images.js';
import type { KubeObject } from './kube-object.js';
import { objectLabels, type Component } from './labels.js';
import { renderBatch } from './render-batch.js';
import { renderServing } from './render-serving.js';
import { renderTraining } from './render-train.js';

const COMPONENT: Readonly<Record<ReturnType<typeof workloadKind>, Component>> = {
  serving: 'serving',
  training: 'training',
  batch: 'batch',
};

/** The objects of one spec; a spec's `namespace` goes on every object when set. */
export function renderManifests(spec: DeploySpec): KubeObject[] {
  const component = COMPONENT[workloadKind(spec)];
  const labels = objectLabels(spec, component, workloadImage(spec));
  const meta = (_kind: string, name: string = spec.name): KubeObject['metadata'] => ({
    name,
    ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
    labels,
  });
  if (spec.model) return renderServing({ ...spec, model: spec.model }, meta);
  if (spec.train) return renderTraining({ ...spec, train: spec.train }, meta);
  return renderBatch({ ...spec, batch: spec.batch! }, meta);
}
