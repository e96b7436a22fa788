/**
 * Model repository extension request bodies (Triton docs/protocol/extension_model_repository.md):
 * `POST /v2/repository/index` `{"ready": bool}` and `.../load`, `.../unload` `{"parameters": {...}}`.
 * Every body is optional. Pure.
 */
import { BerthError } from '../../core/errors.js';

/** Triton's filter: `ready: true` keeps READY versions; false or absent lists every version. */
export function decodeRepositoryIndexRequest(body: unknown): { readonly readyOnly: boolean } {
  const request = optionalObject(body, 'request body');
  const ready = request.ready;
  if (ready !== undefined && typeof ready !== 'boolean') throw invalid('ready', 'true or false', ready);
  return { readyOnly: ready === true };
}

/** Load and unload bodies: `parameters`, when given, must be an object (its keys are not used yet). */
export function decodeRepositoryModelRequest(body: unknown): {
  readonly parameters: Readonly<Record<string, unknown>>;
} {
  const request = optionalObject(body, 'request body');
  return { parameters: optionalObject(request.parameters, 'parameters') };
}

function optionalObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'a JSON object', value);
  return value as Record<string, unknown>;
}

function invalid(field: string, expected: string, value: unknown): BerthError {
  return new BerthError(
    'INVALID_REQUEST',
    `${field}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}
