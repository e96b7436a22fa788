/** Every target of a full run, in the order they run: the floor, the Berth variants, the peers. */
import { berthTarget } from './berth.js';
import { floorTarget } from './floor.js';
import { peerTargets } from './peers.js';
import type { Target } from './types.js';

export const BERTH_JSON = 'berth-json';
export const BERTH_JSON_UNBATCHED = 'berth-json-unbatched';
export const BERTH_BINARY = 'berth-binary';
export const BERTH_GRPC = 'berth-grpc';
/** One serving process (`--workers 1`): Berth before multi-process serving, for the ratio. */
export const BERTH_JSON_ONE_WORKER = 'berth-json-1w';

export function allTargets(): Target[] {
  return [
    floorTarget,
    berthTarget({
      id: BERTH_JSON_UNBATCHED,
      label: 'Berth, JSON, batching off',
      protocol: 'json',
      flags: () => ['--no-batching'],
    }),
    berthTarget({
      id: BERTH_JSON,
      label: 'Berth, JSON, batching on',
      protocol: 'json',
      flags: () => ['--batching'],
    }),
    berthTarget({
      id: BERTH_BINARY,
      label: 'Berth, binary tensors, batching on',
      protocol: 'binary',
      flags: () => ['--batching'],
    }),
    berthTarget({
      id: BERTH_GRPC,
      label: 'Berth, gRPC raw_input_contents, batching on',
      protocol: 'grpc',
      flags: (_ctx, grpcPort) => ['--batching', '--grpc-port', String(grpcPort)],
    }),
    berthTarget({
      id: 'berth-json-instances',
      label: 'Berth, JSON, batching on, one process with one instance per core',
      protocol: 'json',
      models: ['compute'],
      flags: (ctx) => ['--batching', '--workers', '1', '--instances', String(ctx.config.cores)],
    }),
    berthTarget({
      // The other Berth targets run with the default --workers (auto: one per core).
      id: BERTH_JSON_ONE_WORKER,
      label: 'Berth, JSON, batching on, one serving process (--workers 1)',
      protocol: 'json',
      flags: () => ['--batching', '--workers', '1'],
    }),
    ...peerTargets,
  ];
}
