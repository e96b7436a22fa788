/**
 * KServe's Python model server (`kserve` from PyPI) with a custom kserve.Model on onnxruntime
 * (scripts/bench-peers/kserve_peer.py): V2 JSON, the binary tensor extension and V2 gRPC, 1 worker
 * (kserve's default), and JSON with --workers 2. kserve's Model has no batcher.
 */
import type { PeerSpec } from './peers.js';
import type { Protocol } from './types.js';

function kservePeer(protocol: Protocol, workers: number): PeerSpec {
  return {
    id: `kserve-${protocol}${workers > 1 ? `-${workers}w` : ''}`,
    label: `KServe 0.21 model server (custom onnxruntime Model), ${protocol}, ${workers} worker${workers > 1 ? 's' : ''}`,
    script: 'kserve_peer.py',
    protocol,
    extraArgs: () => ['--workers', String(workers)],
    requires: ['requirements-kserve'],
    venv: 'bench-venv-kserve',
  };
}

/** kserve-json, kserve-binary, kserve-grpc (1 worker) and kserve-json-2w. */
export const kservePeers: readonly PeerSpec[] = [
  kservePeer('json', 1),
  kservePeer('binary', 1),
  kservePeer('grpc', 1),
  kservePeer('json', 2),
];
