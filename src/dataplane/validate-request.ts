import { BerthError } from '../core/errors.js';
import type { InferRequest } from '../core/inference.js';
import { elementCount, type Tensor, type TensorSpec } from '../core/tensor.js';
import type { LoadedModelMetadata } from '../runtime/runtime.js';

/**
 * Checks a decoded request against the model's signature and returns the inputs by name and the
 * outputs to compute. Every message names the tensor, the field and what was expected.
 */
export function validateRequest(
  request: InferRequest,
  metadata: LoadedModelMetadata,
  modelName: string,
): { inputs: Map<string, Tensor>; outputNames: string[] } {
  const inputs = new Map<string, Tensor>();
  for (const tensor of request.inputs) {
    if (inputs.has(tensor.name)) {
      throw new BerthError('INVALID_REQUEST', `inputs: "${tensor.name}" is given more than once`);
    }
    inputs.set(tensor.name, tensor);
  }
  for (const name of inputs.keys()) {
    if (!metadata.inputs.some((spec) => spec.name === name)) {
      throw new BerthError(
        'UNKNOWN_INPUT',
        `input "${name}" is not an input of model "${modelName}" (expected: ${names(metadata.inputs)})`,
      );
    }
  }
  for (const spec of metadata.inputs) {
    const tensor = inputs.get(spec.name);
    if (!tensor) {
      throw new BerthError(
        'MISSING_INPUT',
        `input "${spec.name}" is missing (model "${modelName}" needs: ${names(metadata.inputs)})`,
      );
    }
    checkTensor(tensor, spec);
  }
  checkBatchAgreement(metadata.inputs, inputs);
  const outputNames =
    request.outputs?.map((output) => output.name) ?? metadata.outputs.map((spec) => spec.name);
  for (const name of outputNames) {
    if (!metadata.outputs.some((spec) => spec.name === name)) {
      throw new BerthError(
        'UNKNOWN_OUTPUT',
        `output "${name}" is not an output of model "${modelName}" (expected: ${names(metadata.outputs)})`,
      );
    }
  }
  return { inputs, outputNames };
}

function checkTensor(tensor: Tensor, spec: TensorSpec): void {
  if (tensor.datatype !== spec.datatype) {
    throw new BerthError(
      'INPUT_DATATYPE',
      `input "${spec.name}": datatype is ${tensor.datatype}, expected ${spec.datatype}`,
    );
  }
  const fits =
    tensor.shape.length === spec.shape.length &&
    spec.shape.every((dim, index) => dim === -1 || dim === tensor.shape[index]);
  if (!fits) {
    throw new BerthError(
      'INPUT_SHAPE',
      `input "${spec.name}": shape is [${tensor.shape.join(', ')}], expected [${spec.shape.join(', ')}] (-1 is any size)`,
    );
  }
  const expected = elementCount(tensor.shape);
  if (tensor.data.length !== expected) {
    throw new BerthError(
      'INPUT_SHAPE',
      `input "${spec.name}": data has ${tensor.data.length} elements, shape [${tensor.shape.join(', ')}] needs ${expected}`,
    );
  }
}

/** Inputs that are all batched on dim 0 must agree on the batch size. */
function checkBatchAgreement(specs: readonly TensorSpec[], inputs: ReadonlyMap<string, Tensor>): void {
  const batched = specs.filter((spec) => spec.shape[0] === -1);
  if (batched.length < 2) return;
  const first = inputs.get(batched[0]!.name)!;
  for (const spec of batched.slice(1)) {
    const tensor = inputs.get(spec.name)!;
    if (tensor.shape[0] !== first.shape[0]) {
      throw new BerthError(
        'INPUT_SHAPE',
        `input "${spec.name}": first dimension is ${tensor.shape[0]}, expected ${first.shape[0]} as in input "${first.name}"`,
      );
    }
  }
}

function names(specs: readonly TensorSpec[]): string {
  return specs.map((spec) => `"${spec.name}"`).join(', ');
}
