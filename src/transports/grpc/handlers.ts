/**
 * inference.GRPCInferenceService handlers: translation only, between the proto messages and the one
 * DataPlane (the same validation, scheduler and batcher as REST). Every failure becomes a gRPC status
 * through status.ts. While draining, health answers (not ready) and everything else is UNAVAILABLE,
 * as the HTTP transport answers 503.
 */
import type {
  ServerErrorResponse,
  ServerUnaryCall,
  sendUnaryData,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { toBerthError } from '../../core/errors.js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import type { Logger } from '../../observability/logger.js';
import { decodeModelInferRequest, encodeModelInferResponse } from '../../protocol/grpc/infer-codec.js';
import type { ModelInferRequestMessage, ModelRefMessage } from '../../protocol/grpc/messages.js';
import {
  decodeRepositoryIndexRequest,
  decodeRepositoryModelRequest,
  decodeStatisticsRequest,
  encodeModelConfigResponse,
  encodeRepositoryIndex,
  encodeStatisticsResponse,
} from '../../protocol/grpc/extension-codec.js';
import type {
  ModelStatisticsRequestMessage,
  RepositoryIndexRequestMessage,
  RepositoryModelRequestMessage,
} from '../../protocol/grpc/extension-messages.js';
import {
  decodeModelRef,
  encodeModelMetadata,
  encodeServerMetadata,
} from '../../protocol/grpc/metadata-codec.js';
import { grpcStatusOf, isServerFault, toServiceError } from './status.js';

export interface GrpcHandlerDeps {
  readonly dataPlane: DataPlane;
  readonly logger: Logger;
}

type Handler<Request> = (request: Request, call: ServerUnaryCall<Request, unknown>) => unknown;

export function createInferenceHandlers(deps: GrpcHandlerDeps): UntypedServiceImplementation {
  const { dataPlane } = deps;
  const unary = <Request>(method: string, handler: Handler<Request>, health = false) =>
    wrapUnary(deps, method, handler, health);
  return {
    ServerLive: unary('ServerLive', () => ({ live: dataPlane.live() }), true),
    ServerReady: unary('ServerReady', () => ({ ready: dataPlane.ready() }), true),
    ModelReady: unary<ModelRefMessage>(
      'ModelReady',
      (request) => {
        const { name, version } = decodeModelRef(request);
        return { ready: dataPlane.modelReady(name, version) };
      },
      true,
    ),
    ServerMetadata: unary('ServerMetadata', () => encodeServerMetadata(dataPlane.serverMetadata())),
    ModelMetadata: unary<ModelRefMessage>('ModelMetadata', (request) => {
      const { name, version } = decodeModelRef(request);
      return encodeModelMetadata(dataPlane.modelMetadata(name, version));
    }),
    ModelInfer: unary<ModelInferRequestMessage>('ModelInfer', async (request, call) => {
      const { model, version, request: inferRequest } = decodeModelInferRequest(request);
      // A client cancel or an expired deadline stops work that has not started yet. grpc-js also
      // emits 'cancelled' after every call ends, so the listener goes once the answer is ready.
      const controller = new AbortController();
      const cancel = (): void => controller.abort();
      call.once('cancelled', cancel);
      try {
        return encodeModelInferResponse(
          await dataPlane.infer(model, version, inferRequest, 'grpc', controller.signal),
        );
      } finally {
        call.removeListener('cancelled', cancel);
      }
    }),
    ...createExtensionHandlers(deps),
  };
}

/** Triton's extensions: statistics, model configuration, model repository. */
function createExtensionHandlers(deps: GrpcHandlerDeps): UntypedServiceImplementation {
  const { dataPlane } = deps;
  const unary = <Request>(method: string, handler: Handler<Request>) =>
    wrapUnary(deps, method, handler, false);
  return {
    ModelConfig: unary<ModelRefMessage>('ModelConfig', (request) => {
      const { name, version } = decodeModelRef(request);
      return encodeModelConfigResponse(dataPlane.modelConfig(name, version));
    }),
    ModelStatistics: unary<ModelStatisticsRequestMessage>('ModelStatistics', (request) => {
      const { name, version } = decodeStatisticsRequest(request);
      return encodeStatisticsResponse(dataPlane.modelStatistics(name, version));
    }),
    RepositoryIndex: unary<RepositoryIndexRequestMessage>('RepositoryIndex', async (request) => {
      const { readyOnly } = decodeRepositoryIndexRequest(request);
      return encodeRepositoryIndex(await dataPlane.repositoryCatalog(readyOnly ? { ready: true } : {}));
    }),
    RepositoryModelLoad: unary<RepositoryModelRequestMessage>('RepositoryModelLoad', async (request) => {
      await dataPlane.loadModel(decodeRepositoryModelRequest(request).name);
      return {};
    }),
    RepositoryModelUnload: unary<RepositoryModelRequestMessage>('RepositoryModelUnload', async (request) => {
      await dataPlane.unloadModel(decodeRepositoryModelRequest(request).name);
      return {};
    }),
  };
}

function wrapUnary<Request>(
  deps: GrpcHandlerDeps,
  method: string,
  handler: Handler<Request>,
  health: boolean,
): (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => void {
  const failure = (error: unknown): ServerErrorResponse => {
    const typed = toBerthError(error);
    const code = grpcStatusOf(typed);
    const fields = { err: typed.stableId, grpcStatus: code, method };
    if (isServerFault(code)) deps.logger.error({ ...fields, cause: typed.cause }, typed.message);
    else deps.logger.info(fields, typed.message);
    return toServiceError(typed);
  };
  return (call, callback) => {
    // Counted across transports, so shutdown waits for a quiet moment on both (Admission).
    const release = deps.dataPlane.admission.track();
    const reply = (error: ServerErrorResponse | null, value?: unknown): void => {
      release();
      callback(error, value);
    };
    let result: unknown;
    try {
      if (!health) deps.dataPlane.admission.assertAccepting();
      result = handler(call.request, call);
    } catch (error) {
      return reply(failure(error));
    }
    // Health and metadata answer synchronously; only inference waits.
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => reply(null, value),
        (error: unknown) => reply(failure(error)),
      );
    } else reply(null, result);
  };
}
