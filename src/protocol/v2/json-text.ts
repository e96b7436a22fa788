/** Request body text → JSON value, with the one MALFORMED_JSON error every JSON route answers. */
import { BerthError } from '../../core/errors.js';

/** JSON.parse of a body; an empty body is `undefined` (the route's decoder says what it expected). */
export function parseJsonText(text: string): unknown {
  try {
    return text.length === 0 ? undefined : JSON.parse(text);
  } catch (error) {
    throw new BerthError('MALFORMED_JSON', `request body: not valid JSON (${(error as Error).message})`);
  }
}
