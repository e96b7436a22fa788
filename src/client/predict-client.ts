/** A small V2 REST client for humans and scripts (`berth predict`), on node's fetch. */
import { BerthError } from '../core/errors.js';

export interface PredictOptions {
  readonly url: string;
  readonly model: string;
  readonly version?: string;
  /** The V2 request JSON text. */
  readonly body: string;
  readonly timeoutMs: number;
}

/** Posts one request; `ok` is false for a 4xx/5xx, whose body carries the server's error. */
export async function predict(
  options: PredictOptions,
): Promise<{ ok: boolean; status: number; body: unknown }> {
  const base = options.url.replace(/\/+$/, '');
  const path = options.version
    ? `/v2/models/${encodeURIComponent(options.model)}/versions/${encodeURIComponent(options.version)}/infer`
    : `/v2/models/${encodeURIComponent(options.model)}/infer`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: options.body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new BerthError(
      'SERVER_UNREACHABLE',
      `${base}${path}: ${(error as Error).cause ?? (error as Error).message}`,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: print it as the server sent it.
  }
  return { ok: response.ok, status: response.status, body };
}
