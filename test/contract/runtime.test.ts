/** Runs the Runtime contract against ONNX Runtime in both places a run can execute. */
import { OnnxRuntime } from '../../src/runtime/onnx/onnx-runtime.js';
import { runtimeContract } from './runtime.contract.js';

// One core whatever the machine, so a load without `instances` starts one session.
const runtime = new OnnxRuntime({ cores: 1 });

runtimeContract('ONNX Runtime, execution: inline', runtime, {
  config: { execution: 'inline' },
  concurrencyOfTwoInstances: 1,
  noRunQueue:
    'inline runs go straight to a session on the event loop (one at a time), so no run ever waits inside the model to be dropped',
});
runtimeContract('ONNX Runtime, execution: worker', runtime, {
  config: { execution: 'worker' },
  concurrencyOfTwoInstances: 2,
});
