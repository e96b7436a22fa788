/**
 * A model's signature as ONNX Runtime reports it, turned into TensorSpecs, then corrected by the
 * berth.yaml overrides. Overrides may narrow a dynamic dimension but not contradict the model
 * (as Triton checks its config against the ONNX file): a contradiction would only fail later, at
 * the first request, with a less helpful message.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { BerthError } from '../../core/errors.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { TensorSpec } from '../../core/tensor.js';
import { datatypeOf } from './dtype-map.js';

type Kind = 'input' | 'output';
type Override = NonNullable<ModelConfig['inputs']>[number];

/** TensorSpecs for a session's inputs or outputs; symbolic or unknown dimensions become -1. */
export function specsFromMetadata(
  metadata: readonly InferenceSession.ValueMetadata[],
  kind: Kind,
  file: string,
): TensorSpec[] {
  return metadata.map((value) => {
    if (!value.isTensor) {
      throw new BerthError(
        'MODEL_LOAD_FAILED',
        `${kind} '${value.name}' of ${file} is not a tensor; Berth serves tensors`,
      );
    }
    const datatype = datatypeOf(value.type);
    if (datatype === undefined) {
      throw new BerthError(
        'MODEL_LOAD_FAILED',
        `${kind} '${value.name}' of ${file} has type ${value.type}, which no protocol datatype holds`,
      );
    }
    // A symbolic dimension is its name ('batch'); an unnamed unknown one is ''. Both are dynamic.
    const shape = value.shape.map((dim) => (typeof dim === 'number' ? dim : -1));
    return { name: value.name, datatype, shape };
  });
}

/** The specs with each berth.yaml override applied; an override that names no tensor or contradicts one fails. */
export function applyOverrides(
  specs: readonly TensorSpec[],
  overrides: readonly Override[] | undefined,
  kind: Kind,
): TensorSpec[] {
  const result = [...specs];
  (overrides ?? []).forEach((override, index) => {
    const key = `${kind}s[${index}]`;
    const position = result.findIndex((spec) => spec.name === override.name);
    const spec = result[position];
    if (spec === undefined) {
      const names = specs.map((s) => s.name).join(', ');
      throw new BerthError(
        'BAD_MODEL_CONFIG',
        `berth.yaml ${key}.name: the model has no ${kind} '${override.name}'; its ${kind}s are: ${names}`,
      );
    }
    if (override.datatype !== undefined && override.datatype !== spec.datatype) {
      throw new BerthError(
        'BAD_MODEL_CONFIG',
        `berth.yaml ${key}.datatype: ${kind} '${spec.name}' is ${spec.datatype} in the model, not ${override.datatype}`,
      );
    }
    if (override.shape !== undefined && !shapeFits(override.shape, spec.shape)) {
      throw new BerthError(
        'BAD_MODEL_CONFIG',
        `berth.yaml ${key}.shape: [${override.shape.join(', ')}] does not fit ${kind} '${spec.name}' ` +
          `of shape [${spec.shape.join(', ')}]; only dynamic (-1) dimensions may change`,
      );
    }
    result[position] = { ...spec, shape: override.shape ?? spec.shape };
  });
  return result;
}

function shapeFits(override: readonly number[], model: readonly number[]): boolean {
  if (override.length !== model.length) return false;
  return model.every((dim, i) => dim === -1 || override[i] === dim);
}
