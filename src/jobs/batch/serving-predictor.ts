/**
 * A Predictor over the serving core's data plane: the same pull, digest checks, warm-up and
 * batcher as `berth serve`, with no listener. Requests are counted under the v2 protocol label.
 */
import type { Tensor } from '../../core/tensor.js';
import type { ServingCore } from '../../server/serving-core.js';
import type { Predictor } from './predictor.js';

/** Waits until the core's start-up model is READY, then predicts through its data plane. */
export async function servingPredictor(
  core: ServingCore,
  model: string,
  version?: string,
): Promise<Predictor> {
  await core.loaded;
  const metadata = core.dataPlane.modelMetadata(model, version);
  const resolved = version ?? metadata.versions.at(-1) ?? '';
  const outputNames = metadata.outputs.map((spec) => ({ name: spec.name }));
  return {
    model,
    version: resolved,
    inputs: metadata.inputs,
    outputs: metadata.outputs,
    async infer(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]> {
      const response = await core.dataPlane.infer(
        model,
        resolved,
        { inputs, outputs: outputNames },
        'v2',
        signal,
      );
      return [...response.outputs];
    },
  };
}
