import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  autoWorkerCount,
  cgroupCpuLimit,
  cgroupMemoryLimit,
  coresPerWorker,
  machineResources,
  MEMORY_PER_MODEL_BYTE,
  MEMORY_SHARE,
  WORKER_BASE_BYTES,
} from '../../../../src/server/cluster/worker-count.js';

const GiB = 1024 ** 3;

describe('autoWorkerCount', () => {
  it('is one worker per core while the models fit', () => {
    assert.equal(autoWorkerCount({ cores: 2, memoryBytes: 24 * GiB }, 1e6), 2);
    assert.equal(autoWorkerCount({ cores: 16, memoryBytes: 64 * GiB }, 100e6), 16);
  });

  it('is fewer when each copy of the models would pass the memory share', () => {
    const memoryBytes = 8 * GiB;
    const modelBytes = 1 * GiB;
    const fitting = Math.floor(
      (MEMORY_SHARE * memoryBytes) / (WORKER_BASE_BYTES + MEMORY_PER_MODEL_BYTE * modelBytes),
    );
    assert.equal(fitting, 2);
    assert.equal(autoWorkerCount({ cores: 16, memoryBytes }, modelBytes), 2);
  });

  it('is never below one, even when one copy does not fit', () => {
    assert.equal(autoWorkerCount({ cores: 8, memoryBytes: 1 * GiB }, 10 * GiB), 1);
  });
});

describe('coresPerWorker', () => {
  it('splits the cores and gives each worker at least one', () => {
    assert.equal(coresPerWorker(8, 2), 4);
    assert.equal(coresPerWorker(8, 3), 2);
    assert.equal(coresPerWorker(2, 4), 1);
  });
});

describe('cgroup limits', () => {
  it('reads cpu.max as cores, and "max" as no limit', () => {
    assert.equal(cgroupCpuLimit('150000 100000\n'), 1.5);
    assert.equal(cgroupCpuLimit('max 100000\n'), undefined);
    assert.equal(cgroupCpuLimit(undefined), undefined);
    assert.equal(cgroupCpuLimit('garbage'), undefined);
  });

  it('reads memory.max as bytes, and "max" as no limit', () => {
    assert.equal(cgroupMemoryLimit('2147483648\n'), 2 * GiB);
    assert.equal(cgroupMemoryLimit('max\n'), undefined);
  });

  it('rounds a fractional CPU quota up, and never above the schedulable cores', () => {
    const read = (cpu: string, memory: string) => (path: string) =>
      path.endsWith('cpu.max') ? cpu : path.endsWith('memory.max') ? memory : undefined;
    const limited = machineResources(read('150000 100000', '1073741824'));
    assert.equal(limited.cores, 2);
    assert.equal(limited.memoryBytes, GiB);
    const huge = machineResources(read('100000000 100000', 'max'));
    assert.ok(huge.cores <= 1000 && huge.cores >= 1);
    assert.ok(huge.memoryBytes > GiB / 4);
  });
});
