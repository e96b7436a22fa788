/**
 * What runs a batch job's tensors: the serving core's data plane in this process, or a running
 * server's V2 endpoint. Either way one call is one batch; the runner keeps several in flight.
 */
import type { Tensor, TensorSpec } from '../../core/tensor.js';

/** A model as a batch job needs it: its signature and batch-shaped inference. */
export interface Predictor {
  /** Name and version, for logs and `_SUCCESS`. */
  readonly model: string;
  readonly version: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Output tensors in the order of `outputs`, each with as many rows as the inputs. */
  infer(inputs: readonly Tensor[], signal?: AbortSignal): Promise<Tensor[]>;
}
