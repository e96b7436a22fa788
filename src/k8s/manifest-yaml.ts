/** Kubernetes objects as one multi-document YAML stream, as `kubectl apply -f` and GitOps tools read it. */
import { stringify } from 'yaml';
import type { KubeObject } from './kube-object.js';

/** Each object as its own `---` document; long strings (commands, scripts) are never folded. */
export function manifestsToYaml(objects: readonly KubeObject[]): string {
  return objects
    .map((object) => `---\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })}`)
    .join('');
}
