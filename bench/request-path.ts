/**
 * What one V2 JSON infer request costs in Berth's own code, stage by stage, and what the server
 * spends per request under load:
 *  - in-process (no network): JSON.parse, decodeInferRequest (validate + typed copy), the text
 *    scanner that replaces both (decodeInferRequestText), encodeInferResponse, for the ranking body
 *    (1 row × 256 FP32, bench/payloads.ts) and 64 / 512 rows; variants interleaved round by round;
 *  - `berth serve` on the ranking model under autocannon (64 connections, the 1-row body): req/s and
 *    server CPU µs per request; with BENCH_BASELINE=<a built Berth checkout> that build runs too,
 *    alternating A/B windows, so a shared machine skews both alike;
 *  - a --cpu-prof of the server under the same load, self time summed by stage.
 * Not a test (no assertions): `npm run bench:request-path` writes bench/results/request-path.json
 * and .md. BENCH_SECONDS (8) sets the window length, BENCH_WINDOWS (3) the A/B rounds.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InferResponse } from '../src/core/inference.js';
import {
  decodeInferRequest,
  decodeInferRequestText,
  encodeInferResponse,
} from '../src/protocol/v2/json-codec.js';
import { startProcess, type ManagedProcess } from './lib/child.js';
import { runAutocannon } from './load/autocannon.js';
import { repoRoot } from './lib/paths.js';
import { cpuSecondsSince, cpuSnapshot } from './lib/proc.js';
import { freePort } from './lib/ports.js';
import { buildBenchStore, type BenchModel } from './models.js';
import { writePayloads } from './payloads.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 3);
const BASELINE = process.env.BENCH_BASELINE;
const CONNECTIONS = 64;
const ROWS = [1, 64, 512];

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const noop = (): void => undefined;
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Median over rounds of the mean µs per call; each round runs every stage once, in turn. */
function stageTimes(stages: Record<string, () => unknown>, callsPerRound: number): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(stages).map((name) => [name, []]));
  for (const call of Object.values(stages)) for (let i = 0; i < callsPerRound; i += 1) call(); // warm-up
  for (let roundIndex = 0; roundIndex < 9; roundIndex += 1) {
    for (const [name, call] of Object.entries(stages)) {
      const start = performance.now();
      for (let i = 0; i < callsPerRound; i += 1) call();
      samples[name]!.push(((performance.now() - start) * 1000) / callsPerRound);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [name, round(median(values), 2)]),
  );
}

async function inProcess(model: BenchModel, dir: string): Promise<Record<number, Record<string, number>>> {
  const results: Record<number, Record<string, number>> = {};
  for (const rows of ROWS) {
    const text = (await writePayloads(model, rows, dir)).json.toString('utf8');
    const parsed: unknown = JSON.parse(text);
    const scores = Float32Array.from({ length: rows }, (_, i) => 1 / (1 + Math.exp(-Math.sin(i))));
    const response: InferResponse = {
      modelName: model.name,
      modelVersion: '1',
      outputs: [{ name: model.outputName, datatype: 'FP32', shape: [rows, 1], data: scores }],
    };
    results[rows] = stageTimes(
      {
        'JSON.parse': () => JSON.parse(text),
        'decodeInferRequest (validate + typed copy)': () => decodeInferRequest(parsed),
        'before: JSON.parse + decodeInferRequest': () => decodeInferRequest(JSON.parse(text)),
        'after: decodeInferRequestText (scanner)': () => decodeInferRequestText(text),
        encodeInferResponse: () => encodeInferResponse(response),
        // What disconnect-signal.ts made per request before it kept one signal per connection.
        'AbortController + close listener (per request, before)': () => {
          const emitter = new EventEmitter();
          const controller = new AbortController();
          emitter.once('close', () => controller.abort());
          return controller.signal;
        },
        'close listener only (baseline for the row above)': () => new EventEmitter().once('close', noop),
      },
      Math.max(10, Math.round(4000 / rows)),
    );
  }
  return results;
}

interface Server {
  readonly url: string;
  readonly proc: ManagedProcess;
}

async function startServer(
  root: string,
  storeUri: string,
  workDir: string,
  extra: string[],
): Promise<Server> {
  const port = await freePort();
  const args = [
    ...extra,
    join(root, 'dist', 'bench', 'berth-cli.js'),
    'serve',
    '--store',
    storeUri,
    '--model',
    'ranking',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--cache-dir',
    join(workDir, 'cache'),
    '--log-level',
    'warn',
  ];
  const proc = startProcess(`berth:${port}`, process.execPath, args, {
    logFile: join(workDir, `server-${port}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (proc.exitCode() !== undefined) throw new Error(`berth exited: ${proc.tail().join('\n')}`);
    try {
      if ((await fetch(`${url}/v2/health/ready`)).status === 200) return { url, proc };
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('berth never became ready');
}

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly serverCpuUsPerRequest: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly requests: number;
}

async function load(server: Server, bodyFile: string, seconds: number, logFile: string): Promise<LoadResult> {
  const pid = server.proc.pid;
  const before = cpuSnapshot(pid);
  const result = await runAutocannon(
    {
      url: `${server.url}/v2/models/ranking/infer`,
      connections: CONNECTIONS,
      durationS: seconds,
      bodyFile,
      headers: { 'content-type': 'application/json' },
      timeoutS: 10,
      threads: 1,
      countStatus: false,
    },
    logFile,
  );
  const cpu = cpuSecondsSince(pid, before);
  return {
    requestsPerSecond: round(result.reqPerS, 0),
    serverCpuUsPerRequest: round((cpu * 1e6) / Math.max(1, result.ok)),
    p50Ms: result.latencyMs.p50 ?? Number.NaN,
    p99Ms: result.latencyMs.p99 ?? Number.NaN,
    errors: result.failed + result.timeouts + result.socketErrors,
    requests: result.ok,
  };
}

/** Self time of a V8 .cpuprofile, summed by the stage its function belongs to. */
function stagesOf(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const ticks = new Map<number, number>();
  for (const sample of profile.samples) ticks.set(sample, (ticks.get(sample) ?? 0) + 1);
  const totalTicks = profile.samples.length;
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const stages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, count] of ticks) {
    const frame = byId.get(id)!.callFrame;
    const ms = (count / totalTicks) * durationMs;
    const stage = stageOf(frame.functionName, frame.url);
    stages.set(stage, (stages.get(stage) ?? 0) + ms);
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}`;
    functions.set(`${stage}\t${fn}`, (functions.get(`${stage}\t${fn}`) ?? 0) + ms);
  }
  for (const [key, ms] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    stages.set(`fn\t${key}`, ms);
  }
  return stages;
}

function stageOf(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.includes('/protocol/v2/')) {
    return /encode|ToJson|floatsToJson/.test(functionName) ? 'encode response' : 'decode request';
  }
  if (functionName === 'parse' && url === '') return 'JSON.parse';
  if (url.includes('/scheduling/')) return 'batching/scheduler';
  if (url.includes('/runtime/') || url.includes('onnxruntime')) return 'onnx run';
  if (url.includes('/dataplane/')) return 'data plane';
  if (url.includes('/transports/')) return 'berth routes/hooks';
  if (/fastify|find-my-way|avvio|light-my-request|fast-json-stringify|toad-cache/.test(url)) {
    return 'fastify routing/hooks/reply';
  }
  if (/pino|sonic-boom/.test(url)) return 'logging';
  if (url.includes('prom-client')) return 'metrics';
  if (/_http_server|_http_common|_http_incoming/.test(url)) return 'HTTP parse (node:http)';
  if (/_http_outgoing|node:net|stream_base_commons|node:stream|internal\/streams/.test(url)) {
    return 'write (socket)';
  }
  if (url.includes('crypto') || functionName === 'randomUUID') return 'request ids (crypto)';
  if (url.includes('abort_controller') || url.includes('event_target')) return 'abort signals';
  if (functionName === 'postMessage' || url.includes('messageport') || url.includes('internal/worker')) {
    return 'worker hand-off (postMessage)';
  }
  if (/writev|writeBuffer|writeUtf8String|writeLatin1String/.test(functionName) && url === '') {
    return 'write (socket)';
  }
  if (/esm\/|cjs\/|modules\//.test(url) || /compile|ModuleWrap|internalModule|dlopen/.test(functionName)) {
    return 'start-up (module loading)';
  }
  if (url.startsWith('node:'))
    return `node core (${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    })`;
  return url === '' ? 'native (other)' : 'other';
}

interface Profiled {
  readonly load: LoadResult;
  readonly requests: number;
  readonly threads: Record<string, Record<string, number>>;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  startTime: number;
  endTime: number;
}

async function profileServer(
  root: string,
  storeUri: string,
  workDir: string,
  body: string,
): Promise<Profiled> {
  const profDir = await mkdtemp(join(workDir, 'prof-'));
  const server = await startServer(root, storeUri, workDir, ['--cpu-prof', '--cpu-prof-dir', profDir]);
  const log = join(workDir, 'autocannon.log');
  const warm = await load(server, body, 2, log);
  const result = await load(server, body, 10, log);
  // One SIGTERM and a wait: a second signal makes berth exit at once, before V8 writes the profile.
  process.kill(server.proc.pid, 'SIGTERM');
  await Promise.race([server.proc.exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  await server.proc.stop();
  const threads: Record<string, Record<string, number>> = {};
  for (const file of (await readdir(profDir)).filter((name) => name.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(await readFile(join(profDir, file), 'utf8')) as CpuProfile;
    const stages = stagesOf(profile);
    const busy = [...stages].filter(([key]) => !key.startsWith('fn\t') && key !== 'idle');
    if (busy.reduce((sum, [, ms]) => sum + ms, 0) < 100) continue; // idle helper threads
    threads[file.split('.')[4] === '0' ? 'main' : `worker ${file.split('.')[4]}`] = Object.fromEntries(
      [...stages].sort((a, b) => b[1] - a[1]).map(([key, ms]) => [key, round(ms, 0)]),
    );
  }
  // The profile spans start-up and the warm-up window too: µs/req divide by every request it saw.
  return { load: result, requests: warm.requests + result.requests, threads };
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'berth-request-path-'));
  try {
    const store = await buildBenchStore(workDir, ['ranking'], 64);
    const model = store.models.get('ranking')!;
    const stages = await inProcess(model, workDir);
    const body = (await writePayloads(model, 1, workDir)).jsonFile;
    const log = join(workDir, 'autocannon.log');

    const variants: [string, string][] = [['current', repoRoot()]];
    if (BASELINE !== undefined) variants.unshift(['baseline', BASELINE]);
    const ab: Record<string, LoadResult[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
    for (let window = 0; window < WINDOWS; window += 1) {
      for (const [name, root] of window % 2 === 0 ? variants : [...variants].reverse()) {
        const server = await startServer(root, store.uri, workDir, []);
        try {
          await load(server, body, 2, log); // warm: JIT, connections, batcher
          ab[name]!.push(await load(server, body, SECONDS, log));
        } finally {
          await server.proc.stop();
        }
      }
    }
    const summary = Object.fromEntries(
      Object.entries(ab).map(([name, runs]) => [
        name,
        {
          requestsPerSecond: round(median(runs.map((run) => run.requestsPerSecond)), 0),
          serverCpuUsPerRequest: round(median(runs.map((run) => run.serverCpuUsPerRequest))),
          runs,
        },
      ]),
    );
    const profile: Record<string, Profiled> = {};
    for (const [name, root] of variants) profile[name] = await profileServer(root, store.uri, workDir, body);
    const machine = {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadavg: loadavg().map((v) => round(v, 2)),
    };
    const results = {
      date: new Date().toISOString(),
      machine,
      connections: CONNECTIONS,
      seconds: SECONDS,
      stages,
      load: summary,
      profile,
    };
    const out = join(repoRoot(), 'bench', 'results');
    await writeFile(join(out, 'request-path.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(out, 'request-path.md'), report(results));
    console.log(report(results));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function report(results: {
  stages: Record<number, Record<string, number>>;
  load: Record<string, { requestsPerSecond: number; serverCpuUsPerRequest: number; runs: LoadResult[] }>;
  profile: Record<string, Profiled>;
  machine: { cpus: number; loadavg: number[] };
}): string {
  const lines = ['# Request path: µs per V2 JSON infer request by stage', ''];
  lines.push(
    `Machine: ${results.machine.cpus} CPUs, load average ${results.machine.loadavg.join(' ')} at the end.`,
    '',
  );
  lines.push(
    `| stage | ${ROWS.map((rows) => `${rows} row${rows > 1 ? 's' : ''} (${rows * 256} FP32)`).join(' | ')} |`,
  );
  lines.push(`|---|${ROWS.map(() => '---:').join('|')}|`);
  for (const stage of Object.keys(results.stages[ROWS[0]!]!)) {
    lines.push(`| ${stage} | ${ROWS.map((rows) => results.stages[rows]![stage]).join(' | ')} |`);
  }
  lines.push(
    '',
    `## berth serve, ranking model, autocannon c${CONNECTIONS}, 1-row body (median of windows)`,
    '',
  );
  lines.push('| build | req/s | server CPU µs/req | windows (req/s) |', '|---|---:|---:|---|');
  for (const [name, entry] of Object.entries(results.load)) {
    lines.push(
      `| ${name} | ${entry.requestsPerSecond} | ${entry.serverCpuUsPerRequest} | ${entry.runs.map((run) => run.requestsPerSecond).join(', ')} |`,
    );
  }
  for (const [build, profiled] of Object.entries(results.profile)) {
    lines.push('', `## CPU profile of the server (${build} build), 10 s under the same load`, '');
    lines.push(
      `${profiled.load.requestsPerSecond} req/s while profiled; the profile covers start-up and a 2 s warm-up ` +
        `too, and µs/req divides by all ${profiled.requests} requests it saw. Stages under 0.5% are summed as "rest".`,
      '',
    );
    for (const [thread, stages] of Object.entries(profiled.threads)) {
      const busy = Object.entries(stages).filter(([key]) => !key.startsWith('fn\t') && key !== 'idle');
      const total = busy.reduce((sum, [, ms]) => sum + ms, 0);
      const perRequest = (ms: number): number => round((ms * 1000) / profiled.requests, 1);
      lines.push(
        `### ${thread} thread: ${total} ms busy`,
        '',
        '| stage | ms | µs/req | share |',
        '|---|---:|---:|---:|',
      );
      let rest = 0;
      for (const [key, ms] of busy) {
        if (ms < total * 0.005) rest += ms;
        else lines.push(`| ${key} | ${ms} | ${perRequest(ms)} | ${round((100 * ms) / total)}% |`);
      }
      lines.push(`| rest | ${rest} | ${perRequest(rest)} | ${round((100 * rest) / total)}% |`);
      lines.push('', 'Top functions by self time:', '', '| stage | function | ms |', '|---|---|---:|');
      for (const [key, ms] of Object.entries(stages)) {
        if (!key.startsWith('fn\t') || key.includes('(idle)')) continue;
        const [, stage, fn] = key.split('\t');
        lines.push(`| ${stage} | \`${fn!.trim()}\` | ${ms} |`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

await main();
