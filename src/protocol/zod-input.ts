/**
 * Request parts checked by a zod schema, with the error every other decoder gives: INVALID_REQUEST
 * and a message that names the field, says what was expected and shows what came. The same schemas
 * make the OpenAPI document (src/transports/http/openapi-document.ts), so the two cannot drift.
 */
import type { z } from 'zod';
import { BerthError } from '../core/errors.js';
import { previewJson } from './json-preview.js';

/** The value the schema accepts, or a BerthError for its first problem; `where` names the part. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = fieldPath(issue.path);
  // Body fields read as their JSON path (`inputs[0].name`); URL parts by name (`query parameter "since"`).
  const field = path === '' ? where : where === 'request body' ? path : `${where} "${path}"`;
  throw new BerthError(
    'INVALID_REQUEST',
    `${field}: ${expectation(issue.message)}, got ${previewJson(valueAt(value, issue.path))}`,
  );
}

/** `inputs[0].name` from zod's `['inputs', 0, 'name']`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** zod's default wording ("Invalid input: expected boolean, received number") as "expected boolean". */
function expectation(message: string): string {
  return message
    .replace(/^Invalid input: /, '')
    .replace(/^Too (small|big): /, '')
    .replace(/, received .*$/, '');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
