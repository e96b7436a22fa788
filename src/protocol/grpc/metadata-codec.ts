/** gRPC health and metadata messages ↔ core types (inference_grpc.md, "Health" and "Metadata"). Pure. */
import { BerthError } from '../../core/errors.js';
import type { ModelMetadata, ServerMetadata } from '../../core/inference.js';
import type { TensorSpec } from '../../core/tensor.js';
import type {
  ModelMetadataResponseMessage,
  ModelRefMessage,
  ServerMetadataResponseMessage,
  TensorMetadataMessage,
} from './messages.js';

/** ModelReadyRequest / ModelMetadataRequest → name and version (undefined: the server picks). */
export function decodeModelRef(message: ModelRefMessage): { name: string; version: string | undefined } {
  const name = message.name ?? '';
  if (name.length === 0)
    throw new BerthError('INVALID_REQUEST', 'name: expected a non-empty model name, got ""');
  const version = message.version ?? '';
  return { name, version: version.length > 0 ? version : undefined };
}

export function encodeModelMetadata(metadata: ModelMetadata): ModelMetadataResponseMessage {
  return {
    name: metadata.name,
    versions: [...metadata.versions],
    platform: metadata.platform,
    inputs: metadata.inputs.map(tensorMetadata),
    outputs: metadata.outputs.map(tensorMetadata),
  };
}

export function encodeServerMetadata(metadata: ServerMetadata): ServerMetadataResponseMessage {
  return { name: metadata.name, version: metadata.version, extensions: [...metadata.extensions] };
}

function tensorMetadata(spec: TensorSpec): TensorMetadataMessage {
  return { name: spec.name, datatype: spec.datatype, shape: [...spec.shape] };
}
