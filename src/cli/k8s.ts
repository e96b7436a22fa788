/** `berth k8s`: Kubernetes manifests from a berth.deploy.yaml; `render` prints them for GitOps. */
import type { Command } from 'commander';
import { BerthError } from '../core/errors.js';
import { loadDeploySpec, type DeploySpec } from '../k8s/deploy-spec.js';
import { manifestsToYaml } from '../k8s/manifest-yaml.js';
import { renderManifests } from '../k8s/render.js';

/** Registers the `k8s` command group and returns it, so other sub-commands can join it. */
export function registerK8sCommands(
  program: Command,
  out: { write(text: string): unknown } = process.stdout,
): Command {
  const group = program
    .command('k8s')
    .description('Kubernetes objects from a deployment spec (berth.deploy.yaml).');
  group
    .command('render')
    .description('Print the objects a spec becomes, as multi-document YAML.')
    .argument('<spec>', 'the deployment spec file')
    .option('--namespace <name>', "put every object in this namespace (over the spec's namespace)")
    .action(async (specPath: string, options: { namespace?: string }) => {
      const spec = await loadDeploySpec(specPath);
      const objects = renderManifests(withNamespace(spec, options.namespace));
      out.write(manifestsToYaml(objects));
    });
  return group;
}

function withNamespace(spec: DeploySpec, namespace: string | undefined): DeploySpec {
  if (namespace === undefined) return spec;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new BerthError(
      'DEPLOY_SPEC_INVALID',
      `--namespace ${JSON.stringify(namespace)}: expected a DNS label (lower-case letters, digits and "-", at most 63)`,
    );
  }
  return { ...spec, namespace };
}
