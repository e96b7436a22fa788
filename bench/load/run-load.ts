/** Picks the load generator for a protocol (wrk or autocannon for HTTP, ghz or the Node loop for gRPC). */
import { join } from 'node:path';
import type { BenchConfig } from '../config.js';
import type { Tools } from '../lib/tools.js';
import type { BenchModel } from '../models.js';
import type { Payloads } from '../payloads.js';
import { httpRequestOf, inferUrl } from '../targets/probe.js';
import type { Protocol, RunningTarget } from '../targets/types.js';
import { runAutocannon } from './autocannon.js';
import { runGhz } from './ghz.js';
import { runNodeGrpcLoad } from './grpc-node.js';
import type { LoadResult } from './types.js';
import { runWrk } from './wrk.js';

export interface LoadPlan {
  readonly protocol: Protocol;
  readonly running: RunningTarget;
  readonly model: BenchModel;
  readonly payloads: Payloads;
  readonly connections: number;
  readonly durationS: number;
  readonly countStatus: boolean;
}

/** The generator `plan` would use, e.g. "wrk". */
export function loadToolFor(protocol: Protocol, config: BenchConfig, tools: Tools): string {
  if (protocol === 'grpc') {
    if (config.grpcLoad === 'ghz' || (config.grpcLoad === 'auto' && tools.ghz)) return 'ghz';
    return 'node-grpc-loop';
  }
  if (config.httpLoad === 'wrk' || (config.httpLoad === 'auto' && tools.wrk)) return 'wrk';
  return 'autocannon';
}

export async function runLoad(
  plan: LoadPlan,
  config: BenchConfig,
  tools: Tools,
  logDir: string,
): Promise<LoadResult> {
  const tool = loadToolFor(plan.protocol, config, tools);
  const logFile = join(logDir, `load-${tool}.log`);
  const threads = Number(process.env.BENCH_LOAD_THREADS || 1);
  if (plan.protocol === 'grpc') {
    const address = plan.running.grpcAddress;
    if (address === undefined) throw new Error('a gRPC target without a gRPC address');
    const spec = {
      address,
      model: plan.model.name,
      inputName: plan.model.inputName,
      shape: plan.payloads.shape,
      rawFile: plan.payloads.rawFile,
      connections: plan.connections,
      durationS: plan.durationS,
      timeoutS: config.timeoutS,
    };
    const channels = Number(process.env.BENCH_GRPC_CHANNELS || 4);
    if (tool === 'ghz') {
      if (tools.ghz === undefined) throw new Error('BENCH_GRPC_LOAD=ghz but ghz is not installed');
      return runGhz(tools.ghz, spec, channels, threads, join(logDir, 'ghz'), logFile);
    }
    return runNodeGrpcLoad(spec, channels, logFile);
  }
  const request = httpRequestOf(plan.protocol, plan.payloads);
  const spec = {
    url: inferUrl(plan.running.httpUrl, plan.model.name),
    connections: plan.connections,
    durationS: plan.durationS,
    bodyFile: request.bodyFile,
    headers: request.headers,
    timeoutS: config.timeoutS,
    countStatus: plan.countStatus,
    threads,
  };
  return tool === 'wrk' ? runWrk(spec, logFile) : runAutocannon(spec, logFile);
}
