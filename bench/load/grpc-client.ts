/** A client of inference.GRPCInferenceService, from the proto the server ships. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';

/** The proto file the gRPC load generators use. */
export function protoPath(): string {
  return join(repoRoot(), 'src', 'protocol', 'grpc', 'grpc_service.proto');
}

export interface ModelInferRequest {
  readonly model_name: string;
  readonly inputs: ReadonlyArray<{ name: string; datatype: string; shape: readonly number[] }>;
  readonly raw_input_contents: readonly Buffer[];
}

export interface ModelInferResponse {
  readonly outputs?: ReadonlyArray<{ name: string; datatype: string; shape: readonly number[] }>;
  readonly raw_output_contents?: readonly Buffer[];
}

type Unary<Req, Res> = (
  request: Req,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: Res) => void,
) => grpc.ClientUnaryCall;

/** The methods the bench calls. */
export interface InferenceClient extends grpc.Client {
  ModelInfer: Unary<ModelInferRequest, ModelInferResponse>;
  ServerReady: Unary<Record<string, never>, { ready?: boolean }>;
}

let serviceCtor: grpc.ServiceClientConstructor | undefined;

/**
 * A client on its own connection (`index` keeps channels apart: grpc-js otherwise shares one
 * subchannel between clients of the same target).
 */
export function inferenceClient(address: string, index = 0): InferenceClient {
  if (serviceCtor === undefined) {
    const definition = protoLoader.loadSync(protoPath(), { keepCase: true, longs: Number, defaults: false });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      inference: { GRPCInferenceService: grpc.ServiceClientConstructor };
    };
    serviceCtor = pkg.inference.GRPCInferenceService;
  }
  return new serviceCtor(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'bench.channel': index,
  }) as unknown as InferenceClient;
}

/** One call with a deadline; rejects with the gRPC error. */
export function call<Req, Res>(
  method: Unary<Req, Res>,
  client: grpc.Client,
  request: Req,
  timeoutMs: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, { deadline: Date.now() + timeoutMs }, (error, response) => {
      if (error) reject(error);
      else resolve(response as Res);
    });
  });
}

export function statusName(code: number): string {
  return grpc.status[code] ?? String(code);
}
