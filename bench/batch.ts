/**
 * `node dist/bench/batch.js [--rows N] [--repeats R]`: the offline batch benchmark. N rows × 64 FP32
 * features + an INT64 id in 4 Parquet parts (written once with Berth's ParquetSink, cached under
 * the bench cache), two models, and side by side: ONNX Runtime in-process on pre-decoded batches
 * (the limit), `berth batch` end to end as a child process (at N/2 and N, for peak RSS), pyarrow +
 * onnxruntime, and PySpark local[2] with mapInPandas. Writes bench/results/batch.{json,md}.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { publishVersion } from '../src/repository/publish.js';
import { FileStore } from '../src/storage/backends/file-store.js';
import { ParquetSink } from '../src/jobs/batch/formats/parquet-sink.js';
import { ParquetSource } from '../src/jobs/batch/formats/parquet-source.js';
import type { Column } from '../src/jobs/batch/records.js';
import { mlpModel } from '../test/fixtures/onnx/models.js';
import { startProcess, stopAll } from './lib/child.js';
import { berthCache, compiledBenchDir, repoRoot } from './lib/paths.js';
import { listProcs, processTree } from './lib/proc.js';
import { redactPaths } from './lib/redact-paths.js';
import { median } from './lib/stats.js';
import type { RawPoint } from './raw-inference.js';

const FEATURES = 64;
const PARTS = 4;
const BATCH_ROWS = 8192;
const RAW_BATCHES = [1024, 4096, 8192];
const FEATURE_NAMES = Array.from({ length: FEATURES }, (_, i) => `f${i}`);

/** The two models: the demo-like scorer and a ~1 M parameter MLP (ReLU hidden layers, sigmoid out). */
const MODELS = {
  scorer: { layers: [64, 32, 1], seed: 20260201 },
  mlp1m: { layers: [64, 1024, 768, 256, 1], seed: 20260202 },
} as const;
type BatchModel = keyof typeof MODELS;

function parameterCount(layers: readonly number[]): number {
  let params = 0;
  for (let i = 0; i + 1 < layers.length; i++) params += layers[i]! * layers[i + 1]! + layers[i + 1]!;
  return params;
}

function flag(name: string, fallback: number, min: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} ${process.argv[at + 1]}: expected a whole number of at least ${min}`);
  return value;
}

/** xorshift32: the same features every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** N rows in 4 parts under the bench cache, written once (a `.complete` marker says it finished). */
async function inputFolder(rows: number): Promise<{ dir: string; bytes: number; generatedS?: number }> {
  const dir = join(berthCache(), 'bench-batch', `rows-${rows}`);
  const marker = join(dir, '.complete');
  let generatedS: number | undefined;
  if (!existsSync(marker)) {
    const started = performance.now();
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const next = random(rows);
    const perPart = Math.ceil(rows / PARTS);
    for (let part = 0; part < PARTS; part++) {
      const first = part * perPart;
      const count = Math.min(perPart, rows - first);
      const sink = new ParquetSink(join(dir, `part-${String(part).padStart(4, '0')}.parquet`));
      for (let done = 0; done < count; done += 65_536) {
        const n = Math.min(65_536, count - done);
        const columns = new Map<string, Column>([
          [
            'id',
            { kind: 'bigint', values: BigInt64Array.from({ length: n }, (_, i) => BigInt(first + done + i)) },
          ],
        ]);
        for (const name of FEATURE_NAMES)
          columns.set(name, { kind: 'number', values: Float32Array.from({ length: n }, () => next()) });
        await sink.write({ rows: n, columns, firstRow: done });
      }
      await sink.close();
    }
    await writeFile(marker, `${rows}\n`);
    generatedS = (performance.now() - started) / 1000;
  }
  let bytes = 0;
  for (const name of await readdir(dir))
    if (name.endsWith('.parquet')) bytes += (await stat(join(dir, name))).size;
  return { dir, bytes, generatedS };
}

/** Peak memory of a child process: its own VmHWM and the highest VmRSS summed over its process tree. */
interface Measured {
  readonly wallS: number;
  readonly code: number | string | null;
  readonly peakRssBytes: number;
  readonly peakTreeRssBytes: number;
  readonly lines: readonly string[];
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function measure(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logDir: string,
): Promise<Measured> {
  const started = performance.now();
  const child = startProcess(name, command, args, {
    env: { ...process.env, ...env },
    logFile: join(logDir, `${name}.log`),
    keepLines: 200,
  });
  let peakRss = 0;
  let peakTree = 0;
  let done = false;
  const exited = child.exited.then((code) => {
    done = true;
    return code;
  });
  while (!done) {
    peakRss = Math.max(peakRss, statusField(child.pid, 'VmHWM'));
    const tree = processTree([child.pid], listProcs());
    peakTree = Math.max(
      peakTree,
      tree.reduce((sum, pid) => sum + statusField(pid, 'VmRSS'), 0),
    );
    await Promise.race([exited, sleep(100)]);
  }
  const code = await exited;
  const wallS = (performance.now() - started) / 1000;
  return {
    wallS,
    code,
    peakRssBytes: peakRss,
    peakTreeRssBytes: Math.max(peakTree, peakRss),
    lines: child.tail(),
  };
}

/** The limit: raw-inference.ts (Berth's session options) on pre-made Float32Array batches. */
function rawLimit(onnxPath: string, intraOp: number): { best: RawPoint; points: RawPoint[] } {
  const settings = {
    modelPath: onnxPath,
    inputName: 'features',
    features: FEATURES,
    batches: RAW_BATCHES,
    seconds: Number(process.env.BENCH_RAW_S ?? 2),
    threads: { intraOp, interOp: 1, spinning: false },
  };
  const child = spawnSync(
    process.execPath,
    [join(compiledBenchDir(), 'raw-inference.js'), JSON.stringify(settings)],
    {
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) throw new Error(`raw-inference failed: ${child.stderr}`);
  const { points } = JSON.parse(child.stdout.trim()) as { points: RawPoint[] };
  const best = points.reduce((a, b) => (b.rowsPerS > a.rowsPerS ? b : a));
  return { best, points };
}

/** Berth's read path alone (ParquetSource decoding id + f0..f63 in batches) and its write path (id + score). */
async function decodeEncode(
  dir: string,
  work: string,
): Promise<{ readS: number; writeS: number; rows: number }> {
  const parts = (await readdir(dir)).filter((name) => name.endsWith('.parquet')).sort();
  let rows = 0;
  const readStart = performance.now();
  const ids: BigInt64Array[] = [];
  for (const part of parts) {
    for await (const batch of new ParquetSource(join(dir, part)).batches({
      batchRows: BATCH_ROWS,
      columns: ['id', ...FEATURE_NAMES],
    })) {
      rows += batch.rows;
      ids.push((batch.columns.get('id') as { values: BigInt64Array }).values);
    }
  }
  const readS = (performance.now() - readStart) / 1000;
  const writeStart = performance.now();
  const sink = new ParquetSink(join(work, 'write-only.parquet'));
  let first = 0;
  for (const id of ids) {
    const score = new Float32Array(id.length).fill(0.5);
    await sink.write({
      rows: id.length,
      firstRow: first,
      columns: new Map<string, Column>([
        ['id', { kind: 'bigint', values: id }],
        ['score', { kind: 'number', values: score }],
      ]),
    });
    first += id.length;
  }
  await sink.close();
  return { readS, writeS: (performance.now() - writeStart) / 1000, rows };
}

function peerStatus(): { python?: string; status: Record<string, string> } {
  const cache = berthCache();
  const file = join(cache, 'bench-batch-tools.json');
  const status = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const python = join(cache, 'bench-venv-batch', 'bin', 'python');
  return { python: existsSync(python) && status['requirements-batch'] === 'ok' ? python : undefined, status };
}

interface TargetResult {
  readonly target: string;
  readonly model: BatchModel;
  readonly rows: number;
  readonly available: boolean;
  readonly unavailable?: string;
  readonly repeats?: readonly {
    wallS: number;
    rowsPerS: number;
    summaryRowsPerS?: number;
    peakRssBytes: number;
    peakTreeRssBytes: number;
  }[];
  readonly rowsPerS?: number;
  readonly summaryRowsPerS?: number;
  readonly peakRssBytes?: number;
  readonly peakTreeRssBytes?: number;
}

async function main(): Promise<void> {
  const rows = flag('--rows', 1_000_000, 2 * PARTS);
  const repeats = flag('--repeats', 1, 1);
  const peersOn = !process.argv.includes('--no-peers');
  const half = Math.floor(rows / 2);
  const root = repoRoot();
  const out = join(root, 'bench', 'results');
  const logDir = join(out, 'logs');
  await mkdir(logDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'berth-batch-bench-'));
  const started = new Date().toISOString();
  try {
    if (peersOn && process.env.BENCH_SETUP !== '0') {
      const setup = spawnSync('bash', [join(root, 'scripts', 'bench-peers', 'setup-batch.sh')], {
        stdio: 'inherit',
      });
      if (setup.status !== 0) console.error('bench: setup-batch.sh failed; peers are reported unavailable');
    }
    const peers = peerStatus();
    const inputs = { full: await inputFolder(rows), half: await inputFolder(half) };
    console.error(`bench: input ${rows} rows, ${(inputs.full.bytes / 2 ** 20).toFixed(0)} MiB of Parquet`);

    const storeRoot = join(work, 'store');
    await mkdir(storeRoot, { recursive: true });
    const store = new FileStore(new URL(pathToFileURL(storeRoot).href));
    const models = new Map<BatchModel, { onnxPath: string; params: number; version: number }>();
    for (const [name, spec] of Object.entries(MODELS) as [BatchModel, (typeof MODELS)[BatchModel]][]) {
      const source = await mkdtemp(join(work, `src-${name}-`));
      await writeFile(join(source, 'model.onnx'), mlpModel(spec.layers, spec.seed));
      await writeFile(join(source, 'berth.yaml'), stringify({ max_batch_size: BATCH_ROWS }));
      const { version } = await publishVersion(store, name, source, {
        lineage: { generator: 'bench/batch.ts mlpModel', layers: spec.layers, seed: spec.seed },
      });
      models.set(name, {
        onnxPath: join(storeRoot, name, String(version), 'model.onnx'),
        params: parameterCount(spec.layers),
        version,
      });
    }

    const raw: Record<string, unknown>[] = [];
    const results: TargetResult[] = [];
    for (const [name, model] of models) {
      for (const intraOp of [1, 2]) {
        const { best, points } = rawLimit(model.onnxPath, intraOp);
        raw.push({ model: name, intraOp, best, points });
        console.error(
          `bench: raw ${name} intra_op ${intraOp}: ${best.rowsPerS.toFixed(0)} rows/s at ${best.batch}`,
        );
      }
      for (const [label, input, n] of [
        ['berth-half', inputs.half.dir, half],
        ['berth', inputs.full.dir, rows],
      ] as const) {
        const runs = [];
        for (let r = 0; r < repeats; r++) {
          const output = join(work, `out-${label}-${name}`);
          await rm(output, { recursive: true, force: true });
          const m = await measure(
            `batch-${label}-${name}-${r}`,
            process.execPath,
            [
              join(root, 'bin', 'berth.js'),
              'batch',
              '--model',
              `${pathToFileURL(storeRoot).href}/${name}`,
              '--input',
              input,
              '--output',
              output,
              '--key',
              'id',
              '--features',
              'f0..f63',
              '--batch-rows',
              String(BATCH_ROWS),
              '--cache-dir',
              join(work, 'cache'),
            ],
            { BERTH_LOG_LEVEL: 'warn' },
            logDir,
          );
          if (m.code !== 0)
            throw new Error(`berth batch failed (${m.code}): ${m.lines.slice(-10).join('\n')}`);
          const summary = m.lines
            .map((line) => /batch: (\d+) rows in.* (\d+) rows\/s/.exec(line))
            .find(Boolean);
          runs.push({
            wallS: m.wallS,
            rowsPerS: n / m.wallS,
            summaryRowsPerS: summary ? Number(summary[2]) : undefined,
            peakRssBytes: m.peakRssBytes,
            peakTreeRssBytes: m.peakTreeRssBytes,
          });
          console.error(
            `bench: ${label} ${name}: ${(n / m.wallS).toFixed(0)} rows/s wall, summary ${summary?.[2]}, peak RSS ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
          );
        }
        results.push(summarise(label, name, n, runs));
      }
      for (const peer of ['pyarrow', 'pyspark'] as const) {
        if (!peersOn || peers.python === undefined) {
          const why = !peersOn
            ? 'skipped (--no-peers)'
            : (peers.status['requirements-batch'] ?? 'unavailable: setup-batch.sh has not run');
          results.push({ target: peer, model: name, rows, available: false, unavailable: why });
          continue;
        }
        if (peer === 'pyspark' && !String(peers.status.java ?? '').startsWith('ok')) {
          results.push({ target: peer, model: name, rows, available: false, unavailable: peers.status.java });
          continue;
        }
        const runs = [];
        let failure: string | undefined;
        for (let r = 0; r < repeats; r++) {
          const output = join(work, `out-${peer}-${name}`);
          await rm(output, { recursive: true, force: true });
          const m = await measure(
            `batch-${peer}-${name}-${r}`,
            peers.python,
            [
              join(root, 'scripts', 'bench-peers', 'batch_peer.py'),
              peer === 'pyarrow' ? 'pyarrow' : 'spark',
              model.onnxPath,
              inputs.full.dir,
              output,
              '1',
              String(BATCH_ROWS),
            ],
            { PYSPARK_PYTHON: peers.python },
            logDir,
          );
          const line = m.lines.find((l) => l.startsWith('BATCH_PEER_RESULT '));
          if (m.code !== 0 || line === undefined) {
            failure = `unavailable: ${peer} exited ${m.code}: ${m.lines.at(-1) ?? ''}`.slice(0, 300);
            break;
          }
          const parsed = JSON.parse(line.slice('BATCH_PEER_RESULT '.length)) as {
            rows: number;
            seconds: number;
          };
          if (parsed.rows !== rows) {
            failure = `unavailable: ${peer} wrote ${parsed.rows} rows, expected ${rows}`;
            break;
          }
          runs.push({
            wallS: m.wallS,
            rowsPerS: rows / m.wallS,
            peakRssBytes: m.peakRssBytes,
            peakTreeRssBytes: m.peakTreeRssBytes,
          });
          console.error(
            `bench: ${peer} ${name}: ${(rows / m.wallS).toFixed(0)} rows/s wall, peak tree RSS ${(m.peakTreeRssBytes / 2 ** 20).toFixed(0)} MiB`,
          );
        }
        results.push(
          failure
            ? { target: peer, model: name, rows, available: false, unavailable: failure }
            : summarise(peer, name, rows, runs),
        );
      }
    }
    const decode = await decodeEncode(inputs.full.dir, work);
    console.error(
      `bench: Berth read-only ${decode.readS.toFixed(1)} s, write-only ${decode.writeS.toFixed(1)} s`,
    );

    const data = {
      started,
      partial: false,
      environment: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' },
      settings: {
        rows,
        half,
        parts: PARTS,
        features: FEATURES,
        batchRows: BATCH_ROWS,
        repeats,
        rawBatches: RAW_BATCHES,
      },
      input: { bytes: inputs.full.bytes, halfBytes: inputs.half.bytes },
      models: Object.fromEntries(
        [...models].map(([name, m]) => [name, { layers: MODELS[name].layers, params: m.params }]),
      ),
      peers: peers.status,
      raw,
      results,
      berthDecodeEncode: decode,
    };
    await writeFile(join(out, 'batch.json'), redactPaths(`${JSON.stringify(data, null, 2)}\n`));
    await writeFile(join(out, 'batch.md'), redactPaths(markdown(data)));
    console.error('bench: wrote bench/results/batch.json and batch.md');
  } finally {
    await stopAll();
    if (!process.env.BENCH_KEEP) await rm(work, { recursive: true, force: true });
  }
}

function summarise(
  target: string,
  model: BatchModel,
  rows: number,
  runs: NonNullable<TargetResult['repeats']>,
): TargetResult {
  const summaries = runs.map((r) => r.summaryRowsPerS).filter((v): v is number => v !== undefined);
  return {
    target,
    model,
    rows,
    available: true,
    repeats: runs,
    rowsPerS: median(runs.map((r) => r.rowsPerS)) ?? undefined,
    ...(summaries.length > 0 ? { summaryRowsPerS: median(summaries) ?? undefined } : {}),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    peakTreeRssBytes: Math.max(...runs.map((r) => r.peakTreeRssBytes)),
  };
}

interface ReportData {
  readonly started: string;
  readonly environment: { node: string; cpus: number; cpuModel: string };
  readonly settings: { rows: number; half: number; repeats: number };
  readonly models: Record<string, { layers: readonly number[]; params: number }>;
  readonly raw: readonly Record<string, unknown>[];
  readonly results: readonly TargetResult[];
  readonly berthDecodeEncode: { readS: number; writeS: number; rows: number };
  readonly input: { bytes: number };
}

function markdown(data: ReportData): string {
  const mib = (b: number | undefined) => (b === undefined ? '–' : (b / 2 ** 20).toFixed(0));
  const rate = (v: number | undefined) => (v === undefined ? '–' : Math.round(v).toLocaleString('en'));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '–' : (a / b).toFixed(2);
  const find = (target: string, model: string) =>
    data.results.find((r) => r.target === target && r.model === model);
  const rawBest = (model: string) =>
    Math.max(...data.raw.filter((r) => r.model === model).map((r) => (r.best as RawPoint).rowsPerS));
  const lines = [
    '# Offline batch: Parquet in, predictions out',
    '',
    `${data.settings.rows.toLocaleString('en')} rows × 64 FP32 features + INT64 id, 4 Parquet parts (${mib(data.input.bytes)} MiB, SNAPPY, written by Berth's ParquetSink); batches of ${BATCH_ROWS}. Node ${data.environment.node}, ${data.environment.cpus} cores (${data.environment.cpuModel}), shared with other work. ${data.settings.repeats} run(s) per case (median). Started ${data.started}.`,
    '',
    'Rows/s are rows over the wall time of the whole process (start-up, model load, read, predict, write). Raw limit: ONNX Runtime in-process on pre-made Float32Array batches, best of batch 1024/4096/8192 and intra_op 1 or 2. Peers use one intra-op thread per session (PySpark: local[2], so two sessions).',
    '',
    '| model | params | raw limit rows/s (intra 1 / 2) | Berth rows/s (wall / summary) | pyarrow rows/s | PySpark rows/s | Berth/raw | Berth/pyarrow | Berth/PySpark |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [name, model] of Object.entries(data.models)) {
    const r1 = data.raw.find((r) => r.model === name && r.intraOp === 1)?.best as RawPoint | undefined;
    const r2 = data.raw.find((r) => r.model === name && r.intraOp === 2)?.best as RawPoint | undefined;
    const berth = find('berth', name);
    const pa = find('pyarrow', name);
    const spark = find('pyspark', name);
    lines.push(
      `| ${name} | ${model.params.toLocaleString('en')} | ${rate(r1?.rowsPerS)} / ${rate(r2?.rowsPerS)} | ${rate(berth?.rowsPerS)} / ${rate(berth?.summaryRowsPerS)} | ${pa?.available ? rate(pa.rowsPerS) : (pa?.unavailable ?? '–')} | ${spark?.available ? rate(spark.rowsPerS) : (spark?.unavailable ?? '–')} | ${ratio(berth?.rowsPerS, rawBest(name))} | ${ratio(berth?.rowsPerS, pa?.rowsPerS)} | ${ratio(berth?.rowsPerS, spark?.rowsPerS)} |`,
    );
  }
  lines.push(
    '',
    '## Peak memory',
    '',
    'Berth: VmHWM of the `berth batch` process. Peers: highest VmRSS summed over the process tree (PySpark: JVM and Python workers), polled every 100 ms.',
    '',
    `| model | Berth N/2 (${data.settings.half.toLocaleString('en')}) MiB | Berth N MiB | pyarrow MiB | PySpark MiB |`,
    '|---|---:|---:|---:|---:|',
  );
  for (const name of Object.keys(data.models)) {
    lines.push(
      `| ${name} | ${mib(find('berth-half', name)?.peakRssBytes)} | ${mib(find('berth', name)?.peakRssBytes)} | ${mib(find('pyarrow', name)?.peakTreeRssBytes)} | ${mib(find('pyspark', name)?.peakTreeRssBytes)} |`,
    );
  }
  const d = data.berthDecodeEncode;
  lines.push(
    '',
    '## Where Berth spends its time',
    '',
    `Berth's Parquet path alone, in one process with no model: reading id + f0..f63 of all ${d.rows.toLocaleString('en')} rows in batches of ${BATCH_ROWS} took ${d.readS.toFixed(1)} s (${rate(d.rows / d.readS)} rows/s); writing id + score took ${d.writeS.toFixed(1)} s (${rate(d.rows / d.writeS)} rows/s).`,
    '',
    '## Aims',
    '',
  );
  for (const name of Object.keys(data.models)) {
    const berth = find('berth', name);
    const half = find('berth-half', name);
    const pa = find('pyarrow', name);
    const spark = find('pyspark', name);
    const share = berth?.rowsPerS !== undefined ? berth.rowsPerS / rawBest(name) : undefined;
    const flat =
      berth?.peakRssBytes !== undefined && half?.peakRssBytes !== undefined
        ? berth.peakRssBytes / half.peakRssBytes
        : undefined;
    const ahead = (peer: TargetResult | undefined) =>
      !peer?.available
        ? `not measured (${peer?.unavailable ?? 'missing'})`
        : (berth?.rowsPerS ?? 0) > (peer.rowsPerS ?? 0)
          ? `met (${ratio(berth?.rowsPerS, peer.rowsPerS)}×)`
          : `not met (${ratio(berth?.rowsPerS, peer.rowsPerS)}×)`;
    lines.push(
      `- **${name}**, ≥ 0.8 of the raw limit end to end: ${share === undefined ? 'not measured' : `${share >= 0.8 ? 'met' : 'not met'} (${share.toFixed(2)})`}`,
      `- **${name}**, ahead of pyarrow: ${ahead(pa)}`,
      `- **${name}**, ahead of PySpark: ${ahead(spark)}`,
      `- **${name}**, peak RSS independent of input size (N vs N/2 within 10 %): ${flat === undefined ? 'not measured' : `${Math.abs(flat - 1) <= 0.1 ? 'met' : 'not met'} (${mib(half?.peakRssBytes)} → ${mib(berth?.peakRssBytes)} MiB, ×${flat.toFixed(2)})`}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

await main();
