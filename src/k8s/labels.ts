/**
 * The recommended app.kubernetes.io labels on every object. Selectors use only name, instance and
 * component, which never change with the spec, so a Deployment or Job can be updated in place.
 */
import type { DeploySpec } from './deploy-spec.js';

/** The component label of each workload's objects. */
export type Component = 'serving' | 'training' | 'batch';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The labels a selector matches on: stable across spec changes. */
export function selectorLabels(spec: DeploySpec, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'berth',
    'app.kubernetes.io/instance': spec.name,
    'app.kubernetes.io/component': component,
  };
}

/** Every label of an object: the spec's own, then the recommended ones (which win). */
export function objectLabels(spec: DeploySpec, component: Component, image: string): Record<string, string> {
  return {
    ...spec.labels,
    ...selectorLabels(spec, component),
    'app.kubernetes.io/managed-by': 'berth',
    'app.kubernetes.io/version': imageVersion(image),
  };
}

/** The image tag when it is a valid label value (`berth:0.1.0` → `0.1.0`), else `unknown`. */
export function imageVersion(image: string): string {
  const name = image.split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : 'latest';
  return LABEL_VALUE.test(tag) ? tag : 'unknown';
}
