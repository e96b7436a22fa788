/**
 * One line for why a request failed. Node's fetch (undici) says "fetch failed" and keeps the useful
 * part (ECONNREFUSED, ENOTFOUND...) in `cause`; node:http's happy-eyeballs connect throws an
 * AggregateError whose first error is the one to name.
 */

/** e.g. "fetch failed: connect ECONNREFUSED 127.0.0.1:9", at most four causes deep. */
export function describeCause(error: unknown): string {
  const parts: string[] = [];
  let current = error;
  while (current instanceof Error && parts.length < 4) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(
      code !== undefined && !current.message.includes(code)
        ? `${current.message} [${code}]`
        : current.message,
    );
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
