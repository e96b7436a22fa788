/** gRPC load with ghz (Go; built from the Go module proxy by scripts/bench-peers/setup.sh). */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { runToEnd } from '../lib/run-to-end.js';
import { protoPath } from './grpc-client.js';
import type { GrpcLoadSpec, LoadResult } from './types.js';

interface GhzReport {
  count: number;
  total: number;
  average: number;
  slowest: number;
  latencyDistribution: Array<{ percentage: number; latency: number }> | null;
  statusCodeDistribution: Record<string, number> | null;
}

export async function runGhz(
  ghz: string,
  spec: GrpcLoadSpec,
  channels: number,
  threads: number,
  workFile: string,
  logFile: string,
): Promise<LoadResult> {
  const raw = await readFile(spec.rawFile);
  const dataFile = `${workFile}.data.json`;
  const reportFile = `${workFile}.report.json`;
  await writeFile(
    dataFile,
    JSON.stringify({
      model_name: spec.model,
      inputs: [{ name: spec.inputName, datatype: 'FP32', shape: spec.shape }],
      raw_input_contents: [raw.toString('base64')],
    }),
  );
  try {
    const args = [
      '--insecure',
      '--proto',
      protoPath(),
      '--call',
      'inference.GRPCInferenceService.ModelInfer',
      '-D',
      dataFile,
      '-c',
      String(spec.connections),
      '--connections',
      String(Math.min(channels, spec.connections)),
      '-z',
      `${spec.durationS}s`,
      '-t',
      `${spec.timeoutS}s`,
      // Calls cut off by the end of the run are neither errors nor latencies.
      '--duration-stop',
      'ignore',
      '--cpus',
      String(threads),
      '-O',
      'json',
      '-o',
      reportFile,
      spec.address,
    ];
    const finished = await runToEnd('ghz', ghz, args, {
      timeoutMs: (spec.durationS + spec.timeoutS + 30) * 1000,
      logFile,
    });
    if (finished.code !== 0)
      throw new Error(`ghz failed (${String(finished.code)}): ${finished.lines.slice(-5).join(' | ')}`);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as GhzReport;
    const statuses = report.statusCodeDistribution ?? {};
    const ok = statuses.OK ?? 0;
    const timeouts = statuses.DeadlineExceeded ?? 0;
    const durationS = report.total / 1e9;
    const at = (p: number): number | null => {
      const point = report.latencyDistribution?.find((entry) => entry.percentage === p);
      return point ? point.latency / 1e6 : null;
    };
    return {
      tool: 'ghz',
      connections: spec.connections,
      durationS,
      responses: report.count,
      ok,
      reqPerS: ok / durationS,
      latencyMs: {
        p50: at(50),
        p90: at(90),
        p99: at(99),
        max: ok > 0 ? report.slowest / 1e6 : null,
        mean: ok > 0 ? report.average / 1e6 : null,
      },
      failed: report.count - ok - timeouts,
      timeouts,
      socketErrors: 0,
      statusCounts: statuses,
    };
  } finally {
    await rm(dataFile, { force: true });
    await rm(reportFile, { force: true });
  }
}
