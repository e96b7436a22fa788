/**
 * Loads inference.GRPCInferenceService from grpc_service.proto. The .proto ships next to the compiled
 * code (the build copies it: scripts/copy-assets.mjs), so the path is resolved from this module.
 */
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../protocol/grpc/messages.js';

/** Absolute path of the service definition, for clients and tools (grpcurl -proto). */
export const PROTO_PATH = fileURLToPath(new URL('../../protocol/grpc/grpc_service.proto', import.meta.url));

let service: ServiceDefinition | undefined;

/** The service definition with the loader options protocol/grpc/messages.ts describes; loaded once. */
export function inferenceServiceDefinition(): ServiceDefinition {
  service ??= loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as ServiceDefinition;
  return service;
}
