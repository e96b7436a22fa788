/**
 * Berth variants: `berth serve` with one set of flags each, started the way users start it. A flag
 * the CLI does not know yet, or a feature that does not answer (no gRPC listener, a binary request
 * refused), makes that variant "unavailable" with the server's own words.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from '../lib/child.js';
import { compiledBenchDir } from '../lib/paths.js';
import { freePort } from '../lib/ports.js';
import { lastLines, waitUntilServing } from './probe.js';
import {
  TargetUnavailable,
  type Protocol,
  type RunningTarget,
  type Target,
  type TargetContext,
} from './types.js';
import type { ModelName } from '../config.js';

/** How long a feature may take to answer once the HTTP server is ready (e.g. the gRPC listener). */
const FEATURE_GRACE_MS = 15_000;

export interface BerthVariant {
  readonly id: string;
  readonly label: string;
  readonly protocol: Protocol;
  /** Flags after `serve --store … --model …`; `grpcPort` is set for gRPC variants. */
  readonly flags: (ctx: TargetContext, grpcPort: number | undefined) => string[];
  readonly models?: readonly ModelName[];
}

export function berthTarget(variant: BerthVariant): Target {
  return {
    id: variant.id,
    label: variant.label,
    group: 'berth',
    protocol: variant.protocol,
    ...(variant.models ? { models: variant.models } : {}),
    start: (ctx) => startBerth(variant, ctx),
  };
}

async function startBerth(variant: BerthVariant, ctx: TargetContext): Promise<RunningTarget> {
  const grpcPort = variant.protocol === 'grpc' ? await freePort() : undefined;
  const httpPort = await freePort();
  const flags = variant.flags(ctx, grpcPort);
  const args = [
    join(compiledBenchDir(), 'berth-cli.js'),
    'serve',
    '--store',
    ctx.store.uri,
    '--model',
    ctx.model.name,
    '--host',
    '127.0.0.1',
    '--port',
    String(httpPort),
    '--cache-dir',
    join(ctx.workDir, 'berth-cache'),
    '--log-level',
    'info',
    ...flags,
  ];
  const proc = startProcess(`${variant.id}:${ctx.model.name}`, process.execPath, args, {
    logFile: join(ctx.logDir, `${ctx.model.name}-${variant.id}.log`),
  });
  const notes = [`berth serve ${flags.join(' ')}`.trim()];
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForReady(httpUrl, proc.exitCode, ctx.config.startTimeoutS * 1000).catch((error: Error) => {
      throw new TargetUnavailable(`berth never became ready: ${error.message}: ${lastLines(proc.tail())}`);
    });
    // What the server says it set up for the model (e.g. its batching settings), for the report.
    for (const line of proc.tail().filter((text) => text.includes('"msg":"batching"'))) {
      try {
        notes.push(`batching: ${JSON.stringify((JSON.parse(line) as { batching?: unknown }).batching)}`);
      } catch {
        // Not a JSON log line after all.
      }
    }
    const running: RunningTarget = {
      process: proc,
      httpUrl,
      ...(grpcPort !== undefined ? { grpcAddress: `127.0.0.1:${grpcPort}` } : {}),
      notes,
      scrapeMetrics: async () => {
        try {
          const response = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
          return response.ok ? await response.text() : undefined;
        } catch {
          return undefined;
        }
      },
    };
    await waitUntilServing(variant.protocol, running, ctx.model, ctx.payloads, FEATURE_GRACE_MS).catch(
      (error: Error) => {
        throw new TargetUnavailable(`${variant.protocol} does not work yet: ${error.message}`);
      },
    );
    return running;
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

async function waitForReady(
  url: string,
  exitCode: () => number | string | null | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode() !== undefined) throw new Error(`exited (${String(exitCode())})`);
    try {
      const response = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // Not answering yet.
    }
    await sleep(200);
  }
  throw new Error(`not ready within ${Math.round(timeoutMs / 1000)} s`);
}
