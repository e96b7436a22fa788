/** Nested JSON lists ↔ flat values + shape, as TF Serving's REST API carries tensors. */
import { BerthError } from '../../core/errors.js';
import { MAX_TENSOR_RANK } from '../../core/tensor.js';

/**
 * Shape of a nested list from its first elements; the flattening below checks the rest agree. More
 * than MAX_TENSOR_RANK levels are refused here, which also bounds the recursion of `flatten`.
 */
export function shapeOf(value: unknown, field: string): number[] {
  const shape: number[] = [];
  let level = value;
  while (Array.isArray(level)) {
    if (shape.length === MAX_TENSOR_RANK) {
      throw new BerthError(
        'INPUT_SHAPE',
        `${field}: nested lists deeper than ${MAX_TENSOR_RANK} levels; expected at most ${MAX_TENSOR_RANK}, one per dimension`,
      );
    }
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

/** Flattens a nested list of the given shape, failing on ragged lists with the field named. */
export function flatten(value: unknown, shape: readonly number[], field: string): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(node)) throw ragged(path, `a scalar at depth ${depth}`);
      out.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw ragged(path, `a list of ${shape[depth]} elements (lists must not be ragged)`);
    }
    for (let index = 0; index < node.length; index += 1) walk(node[index], depth + 1, `${path}[${index}]`);
  };
  walk(value, 0, field);
  return out;
}

/** Builds nested lists of `shape` from flat values (a scalar for an empty shape). */
export function nest(values: ArrayLike<unknown>, shape: readonly number[]): unknown {
  let offset = 0;
  const build = (depth: number): unknown => {
    if (depth === shape.length) return values[offset++];
    return Array.from({ length: shape[depth]! }, () => build(depth + 1));
  };
  return build(0);
}

function ragged(field: string, expected: string): BerthError {
  return new BerthError('INPUT_SHAPE', `${field}: expected ${expected}`);
}
