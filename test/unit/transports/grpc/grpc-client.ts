/**
 * A real gRPC client for inference.GRPCInferenceService, loaded from the shipped .proto with its own
 * proto-loader options (int64 as strings, defaults filled in), independent of the server's.
 */
import { credentials, loadPackageDefinition, Metadata, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_PATH } from '../../../../src/transports/grpc/proto.js';

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  options: { deadline?: number },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

export interface InferenceClient {
  call<T = Record<string, unknown>>(method: string, request: object, deadlineMs?: number): Promise<T>;
  close(): void;
}

export function createInferenceClient(address: string): InferenceClient {
  const definition = loadSync(PROTO_PATH, {
    keepCase: true,
    longs: String,
    defaults: true,
    arrays: true,
    oneofs: true,
  });
  const loaded = loadPackageDefinition(definition) as unknown as {
    inference: {
      GRPCInferenceService: new (
        address: string,
        creds: ReturnType<typeof credentials.createInsecure>,
      ) => Client;
    };
  };
  const client = new loaded.inference.GRPCInferenceService(address, credentials.createInsecure());
  return {
    call: <T>(method: string, request: object, deadlineMs?: number) =>
      new Promise<T>((resolve, reject) => {
        const unary = (client as unknown as Record<string, UnaryMethod>)[method]!.bind(client);
        const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
        unary(request, new Metadata(), options, (error, response) =>
          error ? reject(error) : resolve(response as T),
        );
      }),
    close: () => client.close(),
  };
}

/** Rejects unless the promise fails with a gRPC ServiceError; returns it. */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    if (typeof (error as ServiceError).code === 'number') return error as ServiceError;
    throw error;
  }
  throw new Error('expected the call to fail');
}
