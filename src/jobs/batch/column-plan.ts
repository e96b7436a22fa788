/**
 * Which columns feed which model input: by default the column named like the input (a scalar
 * column for a [-1] or [-1, 1] input, a list column for [-1, N]); `--features` gathers several
 * scalar columns into one input instead. Decided once per job from the model's metadata.
 */
import { BerthError } from '../../core/errors.js';
import { DATATYPES, type DataType, type TensorSpec } from '../../core/tensor.js';
import type { FeatureGroup } from './job-options.js';

/** Where one model input's values come from; `width` is the values per row. */
export type InputBinding =
  | { readonly spec: TensorSpec; readonly width: number; readonly kind: 'column'; readonly column: string }
  | {
      readonly spec: TensorSpec;
      readonly width: number;
      readonly kind: 'gather';
      readonly columns: readonly string[];
    };

/** Datatypes a batch job can fill from numeric and boolean columns: all but half floats and bytes. */
const SUPPORTED: ReadonlySet<DataType> = new Set(
  DATATYPES.filter((type) => type !== 'FP16' && type !== 'BYTES'),
);

/** Binds every model input to columns; throws BATCH_JOB_INVALID naming what does not fit. */
export function planInputs(inputs: readonly TensorSpec[], groups: readonly FeatureGroup[]): InputBinding[] {
  const byInput = new Map<string, FeatureGroup>();
  for (const group of groups) {
    const name = group.input ?? onlyInput(inputs);
    if (!inputs.some((spec) => spec.name === name)) {
      const known = inputs.map((spec) => spec.name).join(', ');
      throw new BerthError(
        'BATCH_JOB_INVALID',
        `--features ${name}=...: the model has no input "${name}" (inputs: ${known})`,
      );
    }
    if (byInput.has(name)) {
      throw new BerthError('BATCH_JOB_INVALID', `--features: input "${name}" is given twice`);
    }
    byInput.set(name, group);
  }
  return inputs.map((spec) => {
    const width = rowWidth(spec);
    const group = byInput.get(spec.name);
    if (group === undefined) return { spec, width, kind: 'column', column: spec.name };
    if (group.columns.length !== width) {
      throw new BerthError(
        'BATCH_JOB_INVALID',
        `--features for input "${spec.name}": ${group.columns.length} columns given, the input takes ${width} values per row (shape [${spec.shape.join(', ')}])`,
      );
    }
    return { spec, width, kind: 'gather', columns: group.columns };
  });
}

/** The columns a job reads for its inputs (and keys), so a source decodes nothing else. */
export function columnsRead(bindings: readonly InputBinding[], keys: readonly string[]): string[] {
  const names = bindings.flatMap((binding) =>
    binding.kind === 'column' ? [binding.column] : binding.columns,
  );
  return [...new Set([...keys, ...names])];
}

/** Values per row: the product of every dimension after the batch one, which must be dynamic. */
function rowWidth(spec: TensorSpec): number {
  const [batch, ...rest] = spec.shape;
  if (batch !== -1) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `model input "${spec.name}" has shape [${spec.shape.join(', ')}]; batch jobs need a dynamic first dimension (-1)`,
    );
  }
  if (rest.some((dim) => dim < 1)) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `model input "${spec.name}" has shape [${spec.shape.join(', ')}]; only the first dimension may be dynamic`,
    );
  }
  if (!SUPPORTED.has(spec.datatype)) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `model input "${spec.name}" is ${spec.datatype}; batch jobs fill numeric and BOOL inputs only`,
    );
  }
  return rest.reduce((product, dim) => product * dim, 1);
}

function onlyInput(inputs: readonly TensorSpec[]): string {
  const [first, ...others] = inputs;
  if (first === undefined || others.length > 0) {
    throw new BerthError(
      'BATCH_JOB_INVALID',
      `--features without "input=": the model has ${inputs.length} inputs (${inputs.map((spec) => spec.name).join(', ')}); write --features <input>=a,b,c`,
    );
  }
  return first.name;
}
