/**
 * A real NVIDIA Triton (tritonserver from the nvidia-pytriton wheel), with 1 and 2 model instances,
 * over the three protocols Berth serves: V2 JSON, the V2 binary tensor extension and V2 gRPC. The
 * wheel has no onnxruntime backend, so the model runs in Triton's python backend on onnxruntime
 * (scripts/bench-peers/triton_peer.py builds the model repository and execs tritonserver).
 */
import { join } from 'node:path';
import type { PeerSpec } from './peers.js';
import type { Protocol } from './types.js';

const PROTOCOL_LABEL: Record<Protocol, string> = {
  json: 'JSON',
  binary: 'binary tensors',
  grpc: 'gRPC raw_input_contents',
};

function tritonPeer(instances: number, protocol: Protocol): PeerSpec {
  const id = `triton-${instances}i-${protocol}`;
  return {
    id,
    label: `Triton 2.51 (python backend + onnxruntime), ${instances} instance${instances > 1 ? 's' : ''}, ${PROTOCOL_LABEL[protocol]}, dynamic batching`,
    script: 'triton_peer.py',
    protocol,
    // Triton always opens its gRPC listener: it gets a free port even when the load speaks HTTP.
    grpcListener: true,
    extraArgs: (ctx) => [
      '--instances',
      String(instances),
      '--max-batch-size',
      String(ctx.config.maxBatchSize),
      '--work-dir',
      join(ctx.workDir, `${id}-${ctx.model.name}`),
    ],
    requires: ['requirements-triton'],
    venv: 'bench-venv-triton',
  };
}

/** triton-1i-json … triton-2i-grpc. */
export const tritonPeers: readonly PeerSpec[] = [1, 2].flatMap((instances) =>
  (['json', 'binary', 'grpc'] as const).map((protocol) => tritonPeer(instances, protocol)),
);
