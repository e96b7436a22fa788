/**
 * Model repository extension request bodies (Triton docs/protocol/extension_model_repository.md):
 * `POST /v2/repository/index` `{"ready": bool}` and `.../load`, `.../unload` `{"parameters": {...}}`.
 * Every body is optional. Checked by the schemas the OpenAPI document shows (v2-schemas.ts). Pure.
 */
import { parseInput } from '../zod-input.js';
import { RepositoryIndexRequest, RepositoryModelRequest } from './v2-schemas.js';

/** Triton's filter: `ready: true` keeps READY versions; false or absent lists every version. */
export function decodeRepositoryIndexRequest(body: unknown): { readonly readyOnly: boolean } {
  return { readyOnly: parseInput(RepositoryIndexRequest, body, 'request body')?.ready === true };
}

/** Load and unload bodies: `parameters`, when given, must be an object (its keys are not used yet). */
export function decodeRepositoryModelRequest(body: unknown): {
  readonly parameters: Readonly<Record<string, unknown>>;
} {
  return { parameters: parseInput(RepositoryModelRequest, body, 'request body')?.parameters ?? {} };
}
