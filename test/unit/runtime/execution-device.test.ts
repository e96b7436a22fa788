import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDevice } from '../../../src/core/device.js';
import { BerthError } from '../../../src/core/errors.js';
import {
  checkDevice,
  executionProviders,
  type ProviderProbe,
} from '../../../src/runtime/onnx/execution-device.js';
import { sessionOptions } from '../../../src/runtime/onnx/session-options.js';

const threads = { intra_op: 1, inter_op: 1, spinning: false };

function probe(backends: string[], files: string[]): ProviderProbe {
  return {
    backends,
    bindingDir: '/ort/bin',
    exists: (path) => files.some((file) => path === `/ort/bin/${file}`),
  };
}

function errorId(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof BerthError, String(error));
    return `${error.stableId}: ${error.message}`;
  }
  return 'no error';
}

describe('--device', () => {
  it('parses cpu, cuda and cuda:N', () => {
    assert.deepEqual(parseDevice('cpu'), { kind: 'cpu' });
    assert.deepEqual(parseDevice('cuda'), { kind: 'cuda', deviceId: 0 });
    assert.deepEqual(parseDevice('cuda:3'), { kind: 'cuda', deviceId: 3 });
  });

  it('rejects other forms, naming the value', () => {
    for (const text of ['gpu', 'cuda:', 'cuda:x', 'CPU', 'cuda:1:2', '']) {
      assert.match(
        errorId(() => parseDevice(text)),
        /BERTH_ERR_BAD_SERVER_CONFIG: --device ".*": expected cpu, cuda or cuda:N/,
      );
    }
  });

  it('CUDA sessions keep the CPU provider as the fallback, on the asked GPU', () => {
    assert.deepEqual(executionProviders({ kind: 'cpu' }), ['cpu']);
    assert.deepEqual(executionProviders({ kind: 'cuda', deviceId: 2 }), [
      { name: 'cuda', deviceId: 2 },
      'cpu',
    ]);
    assert.deepEqual(sessionOptions(threads, { kind: 'cuda', deviceId: 1 }).executionProviders, [
      { name: 'cuda', deviceId: 1 },
      'cpu',
    ]);
    assert.deepEqual(sessionOptions(threads).executionProviders, ['cpu']);
  });
});

describe('checkDevice', () => {
  const cuda = { kind: 'cuda', deviceId: 0 } as const;
  const cudaFiles = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

  it('the CPU needs nothing', () => {
    assert.equal(
      errorId(() => checkDevice({ kind: 'cpu' }, probe([], []), 'linux')),
      'no error',
    );
  });

  it('passes when the build has CUDA and its provider files are beside the binding', () => {
    assert.equal(
      errorId(() => checkDevice(cuda, probe(['cpu', 'cuda'], cudaFiles), 'linux')),
      'no error',
    );
  });

  it('names each missing provider file and the folder', () => {
    const message = errorId(() => checkDevice(cuda, probe(['cpu', 'cuda'], [cudaFiles[0]!]), 'linux'));
    assert.match(
      message,
      /^BERTH_ERR_DEVICE_UNAVAILABLE: --device cuda: .*libonnxruntime_providers_cuda\.so not in \/ort\/bin/,
    );
    assert.doesNotMatch(message, /providers_shared/);
  });

  it('a build without CUDA says which backends it has', () => {
    assert.match(
      errorId(() => checkDevice(cuda, probe(['cpu', 'coreml'], cudaFiles), 'darwin')),
      /BERTH_ERR_DEVICE_UNAVAILABLE: .*no CUDA execution provider on darwin.*it has cpu, coreml/,
    );
  });
});
