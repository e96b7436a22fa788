import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DEFAULT_INSTANCES, planInstances } from '../../../src/runtime/onnx/instance-plan.js';
import { config } from './helpers.js';

const plan = (values: Record<string, unknown>, cores: number, override?: number) => {
  const { execution, ...rest } = values;
  return planInstances(config(rest), execution === 'inline' ? 'inline' : 'worker', cores, override);
};

describe('planInstances', () => {
  it('gives workers one instance per core at the default single intra-op thread', () => {
    for (const cores of [1, 2, 3, 4, 8]) {
      assert.deepEqual(plan({}, cores), { execution: 'worker', instances: cores, concurrency: cores });
    }
  });

  it('divides the cores by the intra-op threads each instance runs, never below one', () => {
    assert.equal(plan({ threads: { intra_op: 2 } }, 8).instances, 4);
    assert.equal(plan({ threads: { intra_op: 3 } }, 8).instances, 2);
    assert.equal(plan({ threads: { intra_op: 4 } }, 2).instances, 1);
    // 0 lets ONNX Runtime use every core in one run, so one instance already fills the machine.
    assert.equal(plan({ threads: { intra_op: 0 } }, 16).instances, 1);
    assert.equal(plan({}, 0).instances, 1, 'a machine that reports no cores still gets an instance');
  });

  it('caps the default, since every instance holds its own copy of the weights', () => {
    assert.equal(plan({}, 64).instances, MAX_DEFAULT_INSTANCES);
    assert.equal(plan({ threads: { intra_op: 2 } }, 64).instances, MAX_DEFAULT_INSTANCES);
  });

  it('keeps an explicit count, and the server override wins over berth.yaml', () => {
    assert.equal(plan({ instances: 3 }, 64).instances, 3);
    assert.equal(plan({ instances: 12 }, 2).instances, 12, 'oversubscribing on purpose is allowed');
    assert.deepEqual(plan({ instances: 3 }, 2, 5), { execution: 'worker', instances: 5, concurrency: 5 });
    assert.equal(plan({}, 2, 4).instances, 4);
  });

  it('runs inline one at a time: one session by default, concurrency 1 whatever the count', () => {
    assert.deepEqual(plan({ execution: 'inline' }, 8), { execution: 'inline', instances: 1, concurrency: 1 });
    assert.deepEqual(plan({ execution: 'inline', instances: 3 }, 8), {
      execution: 'inline',
      instances: 3,
      concurrency: 1,
    });
    assert.equal(plan({ execution: 'inline' }, 8, 2).instances, 2);
  });

  it('defaults to auto execution with one non-spinning intra-op thread', () => {
    const defaults = config({});
    assert.equal(defaults.execution, 'auto');
    assert.equal(defaults.instances, undefined);
    assert.deepEqual(defaults.threads, { intra_op: 1, inter_op: 1, spinning: false });
  });
});
