/** Whether this onnxruntime-node install can run `--device cuda`, for tests of the refusal. */
import { checkDevice } from '../../src/runtime/onnx/execution-device.js';

/** True when the CUDA provider files are installed (tests of DEVICE_UNAVAILABLE skip then). */
export function cudaProviderInstalled(): boolean {
  try {
    checkDevice({ kind: 'cuda', deviceId: 0 });
    return true;
  } catch {
    return false; // as on every CPU install
  }
}
