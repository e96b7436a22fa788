/**
 * The one place where Berth error codes become gRPC status codes (as http/error-status.ts does for
 * HTTP). The message is the BerthError message; the stable id travels in the trailing metadata
 * `berth-error-id`, so gRPC clients can match on it as REST clients match on the body's `code`.
 */
import { Metadata, status as GrpcStatus, type ServerErrorResponse } from '@grpc/grpc-js';
import type { BerthError, ErrorCode } from '../../core/errors.js';

/** Trailing metadata key holding the stable id, e.g. BERTH_ERR_INPUT_SHAPE. */
export const ERROR_ID_METADATA = 'berth-error-id';

// Berth's codes are gRPC's canonical codes by name (core/errors.ts), so the mapping is one to one.
const STATUS_BY_CODE: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  ABORTED: GrpcStatus.ABORTED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DATA_LOSS: GrpcStatus.DATA_LOSS,
  INTERNAL: GrpcStatus.INTERNAL,
};

export function grpcStatusOf(error: BerthError): GrpcStatus {
  return STATUS_BY_CODE[error.code];
}

/** Codes that mean the server, not the request, is at fault: logged as errors. */
export function isServerFault(code: GrpcStatus): boolean {
  return code === GrpcStatus.INTERNAL || code === GrpcStatus.DATA_LOSS || code === GrpcStatus.UNKNOWN;
}

/** The error a unary handler passes to its callback. */
export function toServiceError(error: BerthError): ServerErrorResponse {
  const metadata = new Metadata();
  metadata.set(ERROR_ID_METADATA, error.stableId);
  return Object.assign(new Error(error.message), {
    code: grpcStatusOf(error),
    details: error.message,
    metadata,
  });
}
