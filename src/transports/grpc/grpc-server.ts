/**
 * The gRPC transport: an @grpc/grpc-js server on its own port serving inference.GRPCInferenceService
 * (handlers.ts) over the same DataPlane as REST.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { DataPlane } from '../../dataplane/data-plane.js';
import type { Logger } from '../../observability/logger.js';
import { createInferenceHandlers } from './handlers.js';
import { inferenceServiceDefinition } from './proto.js';

export interface GrpcServerOptions {
  readonly dataPlane: DataPlane;
  readonly logger: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Largest request message accepted, bytes (the same limit as the HTTP body). */
  readonly maxMessageBytes: number;
}

/** A listening gRPC server. */
export interface RunningGrpcServer {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** host:port as a client dials it. */
  readonly address: string;
  /** Stops accepting calls and waits for running ones; forces them closed after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': -1,
  });
  server.addService(inferenceServiceDefinition(), createInferenceHandlers(options));
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    address: `${host}:${port}`,
    close: (graceMs = 5000) =>
      (closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      })),
  };
}
