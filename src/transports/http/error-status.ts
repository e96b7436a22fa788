/** The one place where error codes become HTTP statuses, and where framework errors become BerthErrors. */
import { BerthError, toBerthError, type ErrorCode, type ErrorId } from '../../core/errors.js';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  FAILED_PRECONDITION: 400,
  RESOURCE_EXHAUSTED: 429,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  INTERNAL: 500,
};

/** Ids whose HTTP status is more precise than their code's. */
const STATUS_BY_ID: Partial<Record<ErrorId, number>> = {
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

export function httpStatusOf(error: BerthError): number {
  return STATUS_BY_ID[error.id] ?? STATUS_BY_CODE[error.code];
}

/** Fastify's own errors (body limit, content type, JSON) as BerthErrors with user-facing messages. */
export function fromFrameworkError(error: unknown, bodyLimit: number): BerthError {
  if (error instanceof BerthError) return error;
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BerthError(
        'BODY_TOO_LARGE',
        `request body: larger than the limit of ${bodyLimit} bytes (body_limit)`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BerthError('UNSUPPORTED_MEDIA_TYPE', `Content-Type: ${(error as Error).message}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BerthError('MALFORMED_JSON', 'request body: empty, expected a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BerthError('INVALID_REQUEST', 'Content-Length: does not match the body received');
    default:
      return toBerthError(error);
  }
}
