/** Runs the Runtime contract against ONNX Runtime in both places a run can execute, and through the dispatcher. */
import { LookupRuntime } from '../../src/runtime/lookup/lookup-runtime.js';
import { OnnxRuntime } from '../../src/runtime/onnx/onnx-runtime.js';
import { RuntimeByConfig } from '../../src/runtime/runtime-by-config.js';
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

// The server's dispatcher must be as good as the ONNX Runtime it delegates to. The lookup runtime
// does not run this suite: every case loads an ONNX graph; its own tests (test/unit/runtime/lookup/)
// cover the cases that apply to a table (cancel before run, dispose, MODEL_LOAD_FAILED naming the file).
runtimeContract(
  'RuntimeByConfig → ONNX Runtime, execution: worker',
  new RuntimeByConfig({ onnx: runtime, lookup: new LookupRuntime() }),
  { config: { execution: 'worker' }, concurrencyOfTwoInstances: 2 },
);
