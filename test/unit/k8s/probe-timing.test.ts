/** Probe and shutdown timings derived from model size, store bandwidth, budgets and drain. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EXIT_MARGIN_SECONDS,
  PROCESS_START_SECONDS,
  deriveProbeTimings,
  type ProbeTimingInput,
} from '../../../src/k8s/probe-timing.js';

const GI = 2 ** 30;
const MI = 2 ** 20;
const base: ProbeTimingInput = {
  modelBytes: 2 * GI,
  versions: 1,
  bandwidthBytesPerSecond: 50 * MI,
  loadSeconds: 30,
  warmupSeconds: 30,
  periodSeconds: 10,
  drainSeconds: 30,
  preStopSeconds: 5,
};

describe('deriveProbeTimings', () => {
  it('allows start + pull + load + warm-up before the startup probe gives up', () => {
    const timings = deriveProbeTimings(base);
    // 2 GiB at 50 MiB/s = 40.96 s, rounded up.
    assert.equal(timings.pullSeconds, 41);
    assert.equal(timings.startupBudgetSeconds, PROCESS_START_SECONDS + 41 + 30 + 30);
    assert.equal(timings.startup.periodSeconds, 10);
    assert.equal(timings.startup.failureThreshold, 12);
  });

  it('covers the budget for any size, bandwidth and period', () => {
    for (const gib of [0.001, 0.5, 3, 17, 120]) {
      for (const mib of [5, 37, 100, 1000]) {
        for (const period of [1, 3, 10, 30]) {
          const timings = deriveProbeTimings({
            ...base,
            modelBytes: gib * GI,
            bandwidthBytesPerSecond: mib * MI,
            periodSeconds: period,
          });
          const allowed = timings.startup.failureThreshold * timings.startup.periodSeconds;
          assert.ok(allowed >= timings.startupBudgetSeconds, `${gib} GiB at ${mib} MiB/s, period ${period}`);
          // And not more than one period beyond it (or the floor of 3 probes).
          assert.ok(
            allowed < timings.startupBudgetSeconds + period || timings.startup.failureThreshold === 3,
          );
          assert.ok(timings.pullSeconds >= (gib * GI) / (mib * MI));
        }
      }
    }
  });

  it('scales the pull, load and warm-up with the versions loaded at start', () => {
    const one = deriveProbeTimings(base);
    const three = deriveProbeTimings({ ...base, versions: 3 });
    assert.equal(three.pullSeconds, Math.ceil((3 * 2 * GI) / (50 * MI)));
    assert.equal(
      three.startupBudgetSeconds - PROCESS_START_SECONDS,
      three.pullSeconds + 3 * (base.loadSeconds + base.warmupSeconds),
    );
    assert.ok(three.startup.failureThreshold > one.startup.failureThreshold);
  });

  it('never lets one slow answer restart a pod: at least 3 startup probes', () => {
    const timings = deriveProbeTimings({
      ...base,
      modelBytes: 1,
      loadSeconds: 0,
      warmupSeconds: 0,
      periodSeconds: 60,
    });
    assert.equal(timings.startup.failureThreshold, 3);
  });

  it('gives SIGKILL only after the preStop sleep and the whole drain', () => {
    const timings = deriveProbeTimings({ ...base, drainSeconds: 45, preStopSeconds: 10 });
    assert.equal(timings.drainTimeoutMs, 45_000);
    assert.equal(timings.preStopSeconds, 10);
    assert.equal(timings.terminationGracePeriodSeconds, 10 + 45 + EXIT_MARGIN_SECONDS);
  });

  it('takes a pod out of the endpoints sooner than it restarts it', () => {
    const { readiness, liveness } = deriveProbeTimings(base);
    assert.ok(
      readiness.periodSeconds * readiness.failureThreshold <
        liveness.periodSeconds * liveness.failureThreshold,
    );
  });
});
