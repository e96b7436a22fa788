/**
 * `berth k8s apply --wait`: polls each applied Deployment and Job until ready, failed or out of
 * time, printing a line whenever a workload's state changes. Time comes from the injected Clock.
 */
import type { Clock } from '../core/clock.js';
import { BerthError } from '../core/errors.js';
import { describeRef, type KubeApi, type ObjectRef } from './kube-api.js';
import { rolloutStateOf, type RolloutState } from './rollout-state.js';

/** How long to wait and how often to look. */
export interface RolloutOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Receives progress lines ("Deployment ml/x: 1 of 2 replicas updated, 0 ready"). */
  readonly progress: (line: string) => void;
}

/** Waits for every Deployment and Job among `refs`; throws KUBE_ROLLOUT_FAILED or _TIMEOUT. */
export async function waitForRollout(
  api: KubeApi,
  refs: readonly ObjectRef[],
  options: RolloutOptions,
): Promise<Map<ObjectRef, RolloutState>> {
  const { clock } = options;
  const followed = refs.filter((ref) => ref.kind === 'Deployment' || ref.kind === 'Job');
  const states = new Map<ObjectRef, RolloutState>();
  const deadline = clock.now() + options.timeoutMs;
  let pending = followed;
  for (;;) {
    const still: ObjectRef[] = [];
    for (const ref of pending) {
      const live = await api.read(ref);
      if (live === undefined) {
        throw new BerthError(
          'KUBE_ROLLOUT_FAILED',
          `${describeRef(ref)} was deleted while its rollout was followed`,
        );
      }
      const state = rolloutStateOf(live)!;
      if (states.get(ref)?.message !== state.message)
        options.progress(`${describeRef(ref)}: ${state.message}`);
      states.set(ref, state);
      if (state.phase === 'failed')
        throw new BerthError('KUBE_ROLLOUT_FAILED', `${describeRef(ref)}: ${state.message}`);
      if (state.phase === 'progressing') still.push(ref);
    }
    pending = still;
    if (pending.length === 0) return states;
    const left = deadline - clock.now();
    if (left <= 0) throw timeout(pending, states, options.timeoutMs);
    await clock.sleep(Math.min(options.pollMs, left));
  }
}

function timeout(
  pending: readonly ObjectRef[],
  states: Map<ObjectRef, RolloutState>,
  ms: number,
): BerthError {
  const parts = pending.map((ref) => {
    const state = states.get(ref)!;
    const unit = ref.kind === 'Job' ? 'completions' : 'replicas ready';
    return `${describeRef(ref)}: ${state.ready} of ${state.desired} ${unit} (${state.message})`;
  });
  return new BerthError(
    'KUBE_ROLLOUT_TIMEOUT',
    `rollout not ready after ${formatMs(ms)}: ${parts.join('; ')}`,
  );
}

const formatMs = (ms: number): string =>
  ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
