/** TF Serving model status (`GET /v1/models/{m}`) and metadata from Berth's registry view. */
import type { ModelMetadata } from '../../core/inference.js';
import type { DataType, TensorSpec } from '../../core/tensor.js';

export interface VersionStateView {
  readonly version: string | undefined;
  readonly state: 'LOADING' | 'WARMING' | 'READY' | 'UNLOADING' | 'FAILED' | 'UNAVAILABLE';
  readonly error?: string;
}

/** TF Serving's ModelVersionStatus.State names for Berth's states. */
const TF_STATE = {
  LOADING: 'LOADING',
  WARMING: 'LOADING',
  READY: 'AVAILABLE',
  UNLOADING: 'UNLOADING',
  FAILED: 'END',
  UNAVAILABLE: 'END',
} as const;

export function encodeModelStatus(versions: readonly VersionStateView[]): object {
  return {
    model_version_status: versions.map((view) => ({
      version: view.version ?? '0',
      state: TF_STATE[view.state],
      status: view.error
        ? { error_code: 'UNKNOWN', error_message: view.error }
        : { error_code: 'OK', error_message: '' },
    })),
  };
}

const TF_DTYPE: Record<DataType, string> = {
  BOOL: 'DT_BOOL',
  UINT8: 'DT_UINT8',
  UINT16: 'DT_UINT16',
  UINT32: 'DT_UINT32',
  UINT64: 'DT_UINT64',
  INT8: 'DT_INT8',
  INT16: 'DT_INT16',
  INT32: 'DT_INT32',
  INT64: 'DT_INT64',
  FP16: 'DT_HALF',
  FP32: 'DT_FLOAT',
  FP64: 'DT_DOUBLE',
  BYTES: 'DT_STRING',
};

/** `GET /v1/models/{m}/metadata`: the signature as a "serving_default" SignatureDef. */
export function encodeTfMetadata(metadata: ModelMetadata, version: string): object {
  const tensors = (specs: readonly TensorSpec[]): object =>
    Object.fromEntries(
      specs.map((spec) => [
        spec.name,
        {
          dtype: TF_DTYPE[spec.datatype],
          tensor_shape: {
            dim: spec.shape.map((size) => ({ size: String(size), name: '' })),
            unknown_rank: false,
          },
          name: spec.name,
        },
      ]),
    );
  return {
    model_spec: { name: metadata.name, signature_name: '', version },
    metadata: {
      signature_def: {
        signature_def: {
          serving_default: {
            inputs: tensors(metadata.inputs),
            outputs: tensors(metadata.outputs),
            method_name: 'tensorflow/serving/predict',
          },
        },
      },
    },
  };
}
