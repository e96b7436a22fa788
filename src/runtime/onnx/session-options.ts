/**
 * ONNX Runtime session options from berth.yaml `threads` and the server's `--device`. Built once in the main thread; worker
 * instances receive the same plain object, so every instance of a model runs with the same options.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Device } from '../../core/device.js';
import type { ModelConfig } from '../../core/model-config.js';
import { executionProviders } from './execution-device.js';

// 0 threads leaves ONNX Runtime's default (one per physical core), as the config schema documents.
export function sessionOptions(
  threads: ModelConfig['threads'],
  device: Device = { kind: 'cpu' },
): InferenceSession.SessionOptions {
  const spin = threads.spinning ? '1' : '0';
  return {
    executionProviders: executionProviders(device),
    graphOptimizationLevel: 'all',
    ...(threads.intra_op > 0 ? { intraOpNumThreads: threads.intra_op } : {}),
    ...(threads.inter_op > 0 ? { interOpNumThreads: threads.inter_op } : {}),
    // Session config keys (onnxruntime_session_options_config_keys.h); the Node binding adds each
    // `extra` entry with AddConfigEntry.
    extra: { 'session.intra_op.allow_spinning': spin, 'session.inter_op.allow_spinning': spin },
  };
}
