/**
 * The servers a user might pick instead of Berth, from scripts/bench-peers/ and the venvs setup.sh
 * made: each loads the same model.onnx with the same ONNX Runtime thread settings as Berth and serves
 * the same V2 request (JSON, and binary tensors or gRPC where the peer has them) on 127.0.0.1.
 */
import { join } from 'node:path';
import { berthThreadDefaults } from '../lib/berth-defaults.js';
import { startProcess } from '../lib/child.js';
import { repoRoot } from '../lib/paths.js';
import { freePort } from '../lib/ports.js';
import { peerUnavailable } from '../lib/tools.js';
import { waitUntilServing } from './probe.js';
import { kservePeers } from './kserve.js';
import { tritonPeers } from './triton.js';
import {
  TargetUnavailable,
  type Protocol,
  type RunningTarget,
  type Target,
  type TargetContext,
} from './types.js';

/** One peer server started from a script in scripts/bench-peers/ with a venv's Python. */
export interface PeerSpec {
  readonly id: string;
  readonly label: string;
  readonly script: string;
  /** What the load speaks (json when absent); grpc peers get a --grpc-port. */
  readonly protocol?: Protocol;
  /** Arguments after the common ones; `grpcPort` is the port given with --grpc-port, if any. */
  readonly extraArgs: (ctx: TargetContext, grpcPort: number | undefined) => string[];
  /** bench-tools.json keys that must be "ok". */
  readonly requires: readonly string[];
  /** The venv under the bench cache, as setup.sh names it. */
  readonly venv: 'bench-venv' | 'bench-venv-mlserver' | 'bench-venv-triton' | 'bench-venv-kserve';
  /** Also pass --grpc-port (peers that open a gRPC listener even when the load speaks HTTP). */
  readonly grpcListener?: boolean;
}

const PEERS: readonly PeerSpec[] = [
  {
    id: 'fastapi-1w',
    label: 'FastAPI + uvicorn + onnxruntime, 1 worker',
    script: 'fastapi_peer.py',
    extraArgs: () => ['--workers', '1'],
    requires: ['requirements-core'],
    venv: 'bench-venv',
  },
  {
    id: 'fastapi-2w',
    label: 'FastAPI + uvicorn + onnxruntime, 2 workers',
    script: 'fastapi_peer.py',
    extraArgs: () => ['--workers', '2'],
    requires: ['requirements-core'],
    venv: 'bench-venv',
  },
  {
    id: 'ray-serve',
    label: 'Ray Serve with @serve.batch',
    script: 'ray_serve_peer.py',
    extraArgs: (ctx) => ['--max-batch-size', String(ctx.config.maxBatchSize)],
    requires: ['requirements-core', 'requirements-ray'],
    venv: 'bench-venv',
  },
  {
    id: 'mlserver',
    label: 'MLServer (custom onnxruntime runtime, adaptive batching)',
    script: 'mlserver_peer.py',
    extraArgs: (ctx) => [
      '--max-batch-size',
      String(ctx.config.maxBatchSize),
      '--settings-dir',
      join(ctx.workDir, `mlserver-${ctx.model.name}`),
    ],
    requires: ['requirements-mlserver'],
    venv: 'bench-venv-mlserver',
  },
  ...tritonPeers,
  ...kservePeers,
];

export const peerTargets: readonly Target[] = PEERS.map(peerTarget);

function pythonOf(spec: PeerSpec, ctx: TargetContext): string {
  return join(ctx.config.cache, spec.venv, 'bin', 'python');
}

function peerTarget(spec: PeerSpec): Target {
  return {
    id: spec.id,
    label: spec.label,
    group: 'peer',
    protocol: spec.protocol ?? 'json',
    unavailable: (ctx) => {
      if (!ctx.config.peers) return 'peers skipped (BENCH_PEERS=0)';
      for (const key of spec.requires) {
        const reason = peerUnavailable(ctx.tools, key, pythonOf(spec, ctx));
        if (reason !== undefined) return reason;
      }
      return undefined;
    },
    async start(ctx) {
      const port = await freePort();
      const protocol = spec.protocol ?? 'json';
      const grpcPort = protocol === 'grpc' || spec.grpcListener === true ? await freePort() : undefined;
      const threads = berthThreadDefaults();
      const args = [
        join(repoRoot(), 'scripts', 'bench-peers', spec.script),
        '--model',
        ctx.model.onnxPath,
        '--port',
        String(port),
        '--name',
        ctx.model.name,
        '--intra-op',
        String(threads.intraOp),
        '--inter-op',
        String(threads.interOp),
        ...(threads.spinning ? ['--spinning'] : []),
        ...(grpcPort !== undefined ? ['--grpc-port', String(grpcPort)] : []),
        ...spec.extraArgs(ctx, grpcPort),
      ];
      const proc = startProcess(`${spec.id}:${ctx.model.name}`, pythonOf(spec, ctx), args, {
        logFile: join(ctx.logDir, `${ctx.model.name}-${spec.id}.log`),
        env: {
          ...process.env,
          // Nothing leaves the machine: no usage reports, no dashboards, logs stay local.
          RAY_USAGE_STATS_ENABLED: '0',
          RAY_ENABLE_UV_RUN_RUNTIME_ENV: '0',
          PYTHONUNBUFFERED: '1',
          PYTHONDONTWRITEBYTECODE: '1',
        },
      });
      const running: RunningTarget = {
        process: proc,
        httpUrl: `http://127.0.0.1:${port}`,
        ...(protocol === 'grpc' && grpcPort !== undefined ? { grpcAddress: `127.0.0.1:${grpcPort}` } : {}),
        notes: [`${spec.script} ${args.slice(1).join(' ')}`],
      };
      try {
        await waitUntilServing(protocol, running, ctx.model, ctx.payloads, ctx.config.startTimeoutS * 1000);
        return running;
      } catch (error) {
        await proc.stop();
        throw new TargetUnavailable(`${spec.id} did not serve: ${(error as Error).message}`);
      }
    },
  };
}
