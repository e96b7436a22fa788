/** `berth k8s apply|status|delete`: a spec's objects on a real cluster; logic lives in src/k8s/. */
import { Option, type Command } from 'commander';
import { systemClock, type Clock } from '../core/clock.js';
import { applyObjects } from '../k8s/apply.js';
import { withNamespace } from '../k8s/apply-order.js';
import { clientNodeApi, loadKubeConfig, type KubeTarget } from '../k8s/client-node-api.js';
import { deleteObjects } from '../k8s/delete.js';
import { loadDeploySpec } from '../k8s/deploy-spec.js';
import { describeRef, type KubeApi } from '../k8s/kube-api.js';
import type { KubeObject } from '../k8s/kube-object.js';
import { renderManifests } from '../k8s/render.js';
import { waitForRollout } from '../k8s/rollout.js';
import { specStatus } from '../k8s/status.js';
import { parseDuration } from '../core/duration.js';

/** What the commands take from outside; tests swap the cluster, clock and streams. */
export interface K8sClusterDeps {
  readonly connect?: (target: KubeTarget) => KubeApi;
  readonly clock?: Clock;
  readonly stdout?: { write(text: string): unknown };
  readonly stderr?: { write(text: string): unknown };
  readonly pollMs?: number;
}

interface TargetOptions {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

const targetOptions = (command: Command): Command =>
  command
    .argument('<spec>', 'the deployment spec file (berth.deploy.yaml)')
    .option('--namespace <name>', "namespace for objects the spec puts in none (default: the context's)")
    .option(
      '--kubeconfig <file>',
      'kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context (default: the current one)');

/** Adds apply, status and delete to the `berth k8s` group. */
export function registerK8sClusterCommands(group: Command, deps: K8sClusterDeps = {}): void {
  const connect = deps.connect ?? ((target: KubeTarget) => clientNodeApi(loadKubeConfig(target)));
  const clock = deps.clock ?? systemClock;
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;
  const pollMs = deps.pollMs ?? 2000;
  const open = async (specPath: string, options: TargetOptions): Promise<[KubeApi, KubeObject[]]> => {
    const objects = renderManifests(await loadDeploySpec(specPath));
    const target: KubeTarget = {
      ...(options.kubeconfig !== undefined ? { kubeconfig: options.kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
    };
    const api = connect(target);
    return [api, withNamespace(objects, options.namespace, api.defaultNamespace)];
  };

  targetOptions(group.command('apply'))
    .description('Server-side apply the spec\'s objects (field manager "berth"), then follow the rollout.')
    .option('--wait', 'follow Deployments and Jobs until ready, failed or --timeout', true)
    .option('--no-wait', 'return once the objects are applied')
    .addOption(new Option('--timeout <duration>', 'how long --wait follows the rollout').default('5m'))
    .option(
      '--replace-jobs',
      'delete and create anew a Job whose pod template changed (Kubernetes refuses to update it)',
      false,
    )
    .action(
      async (
        specPath: string,
        options: TargetOptions & { wait: boolean; timeout: string; replaceJobs: boolean },
      ) => {
        const timeoutMs = parseDuration(options.timeout, '--timeout');
        const [api, objects] = await open(specPath, options);
        const applied = await applyObjects(
          api,
          objects,
          (one) => out.write(`${describeRef(one.ref)}: ${one.outcome}\n`),
          options.replaceJobs ? { clock, timeoutMs, pollMs } : undefined,
        );
        if (!options.wait) return;
        await waitForRollout(
          api,
          applied.map((one) => one.ref),
          { clock, timeoutMs, pollMs, progress: (line) => err.write(`${line}\n`) },
        );
      },
    );

  targetOptions(group.command('status'))
    .description("Which of the spec's objects exist on the cluster, and how they stand.")
    .option('--json', 'one JSON array instead of lines', false)
    .action(async (specPath: string, options: TargetOptions & { json: boolean }) => {
      const [api, objects] = await open(specPath, options);
      const rows = await specStatus(api, objects);
      if (options.json) {
        out.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const row of rows) {
        const pods =
          row.pods === undefined
            ? ''
            : `; pods: ${
                Object.entries(row.pods)
                  .map(([phase, n]) => `${n} ${phase}`)
                  .join(', ') || 'none'
              }`;
        out.write(`${describeRef(row.ref)}: ${row.state}${row.detail ? ` (${row.detail})` : ''}${pods}\n`);
      }
    });

  targetOptions(group.command('delete'))
    .description("Delete the spec's objects (background propagation: their ReplicaSets and Pods follow).")
    .option('--wait', 'wait until every object is gone', false)
    .addOption(new Option('--timeout <duration>', 'how long --wait waits').default('2m'))
    .action(async (specPath: string, options: TargetOptions & { wait: boolean; timeout: string }) => {
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const [api, objects] = await open(specPath, options);
      await deleteObjects(api, objects, options.wait ? { clock, timeoutMs, pollMs } : undefined, (one) =>
        out.write(`${describeRef(one.ref)}: ${one.outcome}\n`),
      );
    });
}
