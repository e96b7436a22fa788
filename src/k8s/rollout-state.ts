/**
 * Where a Deployment or Job stands, read from the object the server returns: pure, so it is tested
 * on recorded objects. The Deployment rules are `kubectl rollout status`'s (observed generation,
 * then updated, old and available replicas), plus the `Available` condition.
 */
import type { LiveObject } from './kube-api.js';

/** One workload's state: `message` is the progress line, `ready` of `desired` feeds timeouts. */
export interface RolloutState {
  readonly phase: 'progressing' | 'ready' | 'failed';
  readonly message: string;
  readonly ready: number;
  readonly desired: number;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const conditions = (object: LiveObject): Condition[] =>
  Array.isArray(object.status?.conditions) ? (object.status.conditions as Condition[]) : [];
const condition = (object: LiveObject, type: string): Condition | undefined =>
  conditions(object).find((c) => c.type === type && c.status === 'True');
const spec = (object: LiveObject): Record<string, unknown> =>
  (object.spec as Record<string, unknown> | undefined) ?? {};

/** The rollout state of a Deployment as stored. */
export function deploymentState(object: LiveObject): RolloutState {
  const status = object.status ?? {};
  const desired = typeof spec(object).replicas === 'number' ? (spec(object).replicas as number) : 1;
  const updated = num(status.updatedReplicas);
  const replicas = num(status.replicas);
  const available = num(status.availableReplicas);
  const ready = num(status.readyReplicas);
  const state = (phase: RolloutState['phase'], message: string): RolloutState => ({
    phase,
    message,
    ready,
    desired,
  });
  const progressing = conditions(object).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return state('failed', `rollout failed: ProgressDeadlineExceeded: ${progressing.message ?? ''}`.trim());
  }
  if (num(status.observedGeneration) < num(object.metadata.generation)) {
    return state('progressing', 'waiting for the controller to observe the new spec');
  }
  if (updated < desired)
    return state('progressing', `${updated} of ${desired} replicas updated, ${ready} ready`);
  if (replicas > updated)
    return state('progressing', `${replicas - updated} old replicas pending termination`);
  if (available < updated || condition(object, 'Available') === undefined) {
    return state('progressing', `${available} of ${updated} updated replicas available, ${ready} ready`);
  }
  return state('ready', `${available} of ${desired} replicas available`);
}

/** The state of a Job as stored: Complete and Failed are its terminal conditions. */
export function jobState(object: LiveObject): RolloutState {
  const status = object.status ?? {};
  const completions = typeof spec(object).completions === 'number' ? (spec(object).completions as number) : 1;
  const succeeded = num(status.succeeded);
  const line = `${succeeded} of ${completions} completions, ${num(status.active)} active (${num(status.ready)} ready), ${num(status.failed)} failed`;
  const state = (phase: RolloutState['phase'], message: string): RolloutState => ({
    phase,
    message,
    ready: succeeded,
    desired: completions,
  });
  const failed = condition(object, 'Failed');
  if (failed !== undefined) {
    return state('failed', `failed: ${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim());
  }
  if (condition(object, 'Complete') !== undefined) return state('ready', `complete: ${line}`);
  return state('progressing', line);
}

/** The kinds `apply --wait` follows; others (CronJob, Service, ...) have nothing to wait for. */
export function rolloutStateOf(object: LiveObject): RolloutState | undefined {
  if (object.kind === 'Deployment') return deploymentState(object);
  if (object.kind === 'Job') return jobState(object);
  return undefined;
}
