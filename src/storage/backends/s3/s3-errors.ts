/**
 * SDK and network failures mapped onto store error ids, in one table. The SDK reports S3's error
 * code as `name` (NoSuchKey, AccessDenied...), the status in `$metadata.httpStatusCode`, and passes
 * socket errors through with Node's `code` (ECONNREFUSED...).
 */
import { BerthError } from '../../../core/errors.js';

/** What the mapping needs to name in messages. */
export interface ErrorContext {
  /** The s3:// URI of the path concerned. */
  readonly where: string;
  readonly bucket: string;
}

/** Socket-level codes that mean "the server could not be reached or went away": worth a retry. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** S3 error codes that mean "try again later" (throttling, server trouble, slow client). */
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'InternalError',
]);

/** S3 error codes about who is asking: wrong, missing or expired credentials, or no permission. */
const CREDENTIAL_NAMES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AccountProblem',
  'XAdminUserNotFound',
]);

const CREDENTIAL_HINT =
  'check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the instance role) ' +
  'and that they may use this bucket';

/** Maps anything an S3 call threw onto a BerthError naming `context.where`; BerthErrors pass through. */
export function toStoreError(error: unknown, context: ErrorContext): BerthError {
  if (error instanceof BerthError) return error;
  const { where, bucket } = context;
  const name = errorName(error);
  const status = httpStatus(error);
  const detail = describe(error, name, status);
  const make = (id: ConstructorParameters<typeof BerthError>[0], message: string) =>
    new BerthError(id, message, { cause: error });

  if (name === 'AbortError') return make('CANCELLED', `${where}: cancelled`);
  if (name === 'NoSuchBucket') return make('STORE_NOT_FOUND', `s3://${bucket}: no such bucket (${detail})`);
  // Before the 404 case: versitygw answers an unknown access key with 404 XAdminUserNotFound.
  if (CREDENTIAL_NAMES.has(name) || status === 401 || status === 403)
    return make('STORE_ERROR', `${where}: access denied (${detail}); ${CREDENTIAL_HINT}`);
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404)
    return make('STORE_NOT_FOUND', `${where}: no such file or folder`);
  // 412: IfNoneMatch '*' found the key taken; 409: a conditional write raced another one to it.
  if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412)
    return make('STORE_ALREADY_EXISTS', `${where}: already exists`);
  if (isNetworkError(error))
    return make('STORE_UNREACHABLE', `${where}: cannot reach the S3 endpoint (${detail})`);
  if (TRANSIENT_NAMES.has(name) || isThrottling(error) || (status !== undefined && status >= 500))
    return make('STORE_UNREACHABLE', `${where}: the S3 service is unavailable (${detail})`);
  if (/region is missing/i.test(errorMessage(error)))
    return make('STORE_ERROR', `${where}: no AWS region configured; set AWS_REGION (${detail})`);
  return make('STORE_ERROR', `${where}: ${detail}`);
}

/** The S3 error code the SDK reports as `name` ('Error' when it has none). */
export function errorName(error: unknown): string {
  return (error as { name?: unknown } | null)?.name?.toString() ?? 'Error';
}

/** The HTTP status of a service error, when the exchange got that far. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True for socket trouble, looking through `cause` and AggregateError (happy eyeballs). */
function isNetworkError(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const nested = error instanceof AggregateError ? error.errors : [];
  return [...nested, (error as Error).cause].some((inner) => isNetworkError(inner, depth + 1));
}

function isThrottling(error: unknown): boolean {
  return (error as { $retryable?: { throttling?: boolean } } | null)?.$retryable?.throttling === true;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "NoSuchKey, HTTP 404: The specified key does not exist." or "connect ECONNREFUSED [ECONNREFUSED]". */
function describe(error: unknown, name: string, status: number | undefined): string {
  const message = errorMessage(error) || (error instanceof AggregateError ? firstInner(error) : '');
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const label = [name !== 'Error' ? name : undefined, status !== undefined ? `HTTP ${status}` : undefined]
    .filter((part) => part !== undefined)
    .join(', ');
  const text = message === '' || message === name || message === 'UnknownError' ? '' : message;
  const withCode = code !== undefined && !text.includes(code) ? `${text} [${code}]`.trim() : text;
  return [label, withCode].filter((part) => part !== '').join(': ') || 'unknown error';
}

function firstInner(error: AggregateError): string {
  const inner = error.errors[0] as unknown;
  return inner instanceof Error ? inner.message : '';
}
