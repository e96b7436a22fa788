/** The one place where error codes become HTTP statuses, and where framework errors become BerthErrors. */
import { BerthError, toBerthError, type ErrorCode, type ErrorId } from '../../core/errors.js';
import { PATH_SEGMENT_MAX_BYTES } from './api-routes.js';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  RESOURCE_EXHAUSTED: 429,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  INTERNAL: 500,
};

/** Ids whose HTTP status is more precise than their code's. */
const STATUS_BY_ID: Partial<Record<ErrorId, number>> = {
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

export function httpStatusOf(error: BerthError): number {
  return STATUS_BY_ID[error.id] ?? STATUS_BY_CODE[error.code];
}

/** Ids for fastify's client errors by the status they carry; any other 4xx is INVALID_REQUEST. */
const ID_BY_CLIENT_STATUS: Partial<Record<number, ErrorId>> = {
  404: 'ROUTE_NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Fastify's own errors (body limit, content type, JSON, URL) as BerthErrors with user-facing
 * messages. Every error that carries a 4xx `statusCode` is the client's: it stays a 4xx, with the
 * framework's message and code kept, instead of falling through to INTERNAL (a 500).
 */
export function fromFrameworkError(error: unknown, bodyLimit: number): BerthError {
  if (error instanceof BerthError) return error;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BerthError(
        'BODY_TOO_LARGE',
        `request body: larger than the limit of ${bodyLimit} bytes (body_limit)`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BerthError('UNSUPPORTED_MEDIA_TYPE', `Content-Type: ${message}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BerthError('MALFORMED_JSON', 'request body: empty, expected a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BerthError('MALFORMED_JSON', `request body: not valid JSON (${message})`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BerthError('INVALID_REQUEST', 'Content-Length: does not match the body received');
    case 'FST_ERR_BAD_URL':
      return new BerthError('INVALID_REQUEST', `URL: ${message}; expected a valid percent-encoded path`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new BerthError(
        'INVALID_REQUEST',
        `URL: a path segment is longer than the server accepts; expected at most ${PATH_SEGMENT_MAX_BYTES} bytes as sent (percent-encoded)`,
      );
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const id = ID_BY_CLIENT_STATUS[statusCode] ?? 'INVALID_REQUEST';
    const suffix = typeof code === 'string' ? ` (${code})` : '';
    return new BerthError(id, `request: ${message}${suffix}`, { cause: error });
  }
  return toBerthError(error);
}
