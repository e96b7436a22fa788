/**
 * Open Inference Protocol datatypes ↔ ONNX Runtime tensor types, in one table. The typed arrays
 * agree on both sides (src/core/tensor.ts), so numeric data crosses without conversion; only
 * BYTES (ONNX string) needs one, in tensor-convert.ts.
 */
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { DataType } from '../../core/tensor.js';

/** The ONNX Runtime tensor type for each datatype; every datatype has one. */
export const ORT_TYPE: Readonly<Record<DataType, OrtTensor.Type>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const DATATYPE_BY_ORT = new Map<string, DataType>(
  Object.entries(ORT_TYPE).map(([datatype, ortType]) => [ortType, datatype as DataType]),
);

/** The datatype for an ONNX Runtime tensor type; undefined for types the protocol lacks (int4, uint4). */
export function datatypeOf(ortType: string): DataType | undefined {
  return DATATYPE_BY_ORT.get(ortType);
}
