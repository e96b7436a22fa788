/**
 * Chooses the Parquet library of `berth batch`: read and write rows/s and peak RSS of hyparquet
 * (+ hyparquet-writer), parquet-wasm (+ apache-arrow to see its batches) and, as a reference,
 * apache-arrow's own IPC format. Each case runs in a child process so that its peak RSS is its own.
 *
 *   node dist/bench/parquet-libs.js [--rows 1000000]
 *
 * Writes bench/results/parquet-libs.{json,md}. Numbers, never assertions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Column } from '../src/jobs/batch/records.js';

const FEATURES = 64;
const CHUNK = 65_536; // rows per write call / row group
const BATCH = 8_192; // rows per read batch
const SELF = fileURLToPath(import.meta.url);

type Layout = 'columns' | 'list';
interface CaseResult {
  readonly case: string;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly peakRssMiB: number;
  readonly fileMiB?: number;
  readonly note?: string;
  readonly error?: string;
}

/** One chunk of deterministic features, reused for every chunk so generation costs nothing. */
function featureChunk(): Float32Array[] {
  let seed = 42;
  const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: FEATURES }, () => Float32Array.from({ length: CHUNK }, next));
}

function ids(start: number, count: number): BigInt64Array {
  const out = new BigInt64Array(count);
  for (let i = 0; i < count; i += 1) out[i] = BigInt(start + i);
  return out;
}

/** Rows per list-column chunk: one plain array per row, as hyparquet-writer needs for a LIST. */
function listRows(features: Float32Array[], count: number): number[][] {
  const flat = new Float32Array(count * FEATURES);
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < FEATURES; c += 1) flat[r * FEATURES + c] = features[c]![r]!;
  }
  return Array.from({ length: count }, (_, r) => Array.from(flat.subarray(r * FEATURES, (r + 1) * FEATURES)));
}

async function hyparquetWrite(path: string, rows: number, layout: Layout): Promise<void> {
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer');
  const features = featureChunk();
  const schema =
    layout === 'columns'
      ? [
          { name: 'root', num_children: FEATURES + 1 },
          { name: 'id', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
          ...features.map((_, c) => ({
            name: `f${c}`,
            type: 'FLOAT' as const,
            repetition_type: 'REQUIRED' as const,
          })),
        ]
      : [
          { name: 'root', num_children: 2 },
          { name: 'id', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
          {
            name: 'features',
            repetition_type: 'REQUIRED' as const,
            converted_type: 'LIST' as const,
            num_children: 1,
          },
          { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
          { name: 'element', type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const },
        ];
  const writer = new ParquetWriter({ writer: fileWriter(path), schema });
  const list = layout === 'list' ? listRows(features, CHUNK) : [];
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    const columnData =
      layout === 'columns'
        ? [
            { name: 'id', data: ids(start, count) },
            ...features.map((f, c) => ({ name: `f${c}`, data: f.subarray(0, count) })),
          ]
        : [
            { name: 'id', data: ids(start, count) },
            { name: 'features', data: list.slice(0, count) },
          ];
    await writer.write({ columnData, rowGroupSize: CHUNK });
  }
  await writer.finish();
}

async function hyparquetRead(path: string, layout: Layout): Promise<number> {
  const { parquetScan } = await import('hyparquet');
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const file = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const length = (end ?? size) - start;
        const buffer = new Uint8Array(length);
        await handle.read(buffer, 0, length, start);
        return buffer.buffer;
      },
    };
    const scan = await parquetScan({ file });
    const names =
      layout === 'columns'
        ? ['id', ...Array.from({ length: FEATURES }, (_, c) => `f${c}`)]
        : ['id', 'features'];
    let seen = 0;
    let checksum = 0;
    for (const range of scan.ranges) {
      // A column chunk is decoded whole (one page here), so read the row group once and slice it.
      const group = await Promise.all(
        names.map((column) => scan.readColumn({ column, rowStart: range.rowStart, rowEnd: range.rowEnd })),
      );
      for (let start = 0; start < range.rowEnd - range.rowStart; start += BATCH) {
        const end = Math.min(start + BATCH, range.rowEnd - range.rowStart);
        for (const data of group.slice(1)) {
          const first: unknown = data.slice(start, end)[0];
          checksum += Number(
            Array.isArray(first) || ArrayBuffer.isView(first) ? (first as number[])[0] : first,
          );
        }
        seen += end - start;
      }
    }
    if (!Number.isFinite(checksum)) throw new Error('bad checksum');
    return seen;
  } finally {
    await handle.close();
  }
}

async function arrowTableOf(start: number, count: number, features: Float32Array[], layout: Layout) {
  const arrow = await import('apache-arrow');
  if (layout === 'columns') {
    const vectors: Record<string, unknown> = { id: arrow.makeVector(ids(start, count)) };
    features.forEach((f, c) => (vectors[`f${c}`] = arrow.makeVector(f.subarray(0, count))));
    return new arrow.Table(vectors as never);
  }
  const type = new arrow.FixedSizeList(FEATURES, new arrow.Field('element', new arrow.Float32(), false));
  const flat = new Float32Array(count * FEATURES);
  for (let r = 0; r < count; r += 1) {
    for (let c = 0; c < FEATURES; c += 1) flat[r * FEATURES + c] = features[c]![r]!;
  }
  const child = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
  const list = arrow.makeData({ type, length: count, nullCount: 0, child });
  return new arrow.Table({ id: arrow.makeVector(ids(start, count)), features: arrow.makeVector(list) });
}

async function wasmWrite(path: string, rows: number, layout: Layout): Promise<void> {
  const arrow = await import('apache-arrow');
  const wasm = await import('parquet-wasm/node');
  const features = featureChunk();
  let start = 0;
  const input = new ReadableStream({
    async pull(controller) {
      if (start >= rows) return controller.close();
      const count = Math.min(CHUNK, rows - start);
      const table = await arrowTableOf(start, count, features, layout);
      const wasmTable = wasm.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
      for (const batch of wasmTable.recordBatches()) controller.enqueue(batch);
      start += count;
    },
  });
  const props = new wasm.WriterPropertiesBuilder()
    .setCompression(wasm.Compression.SNAPPY)
    .setMaxRowGroupSize(CHUNK)
    .build();
  const output = await wasm.transformParquetStream(input, props);
  const handle = await open(path, 'w');
  try {
    for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

async function wasmRead(path: string, layout: Layout): Promise<number> {
  const arrow = await import('apache-arrow');
  const wasm = await import('parquet-wasm/node');
  const { openAsBlob } = await import('node:fs');
  const file = await wasm.ParquetFile.fromFile(await openAsBlob(path));
  const stream = await file.stream({ batchSize: BATCH });
  let seen = 0;
  let checksum = 0;
  for await (const batch of stream as unknown as AsyncIterable<{ intoIPCStream(): Uint8Array }>) {
    // Arrow JS sees the batch only through an IPC copy out of wasm memory.
    const table = arrow.tableFromIPC(batch.intoIPCStream());
    const col = table.getChild(layout === 'columns' ? 'f0' : 'features');
    checksum += Number(layout === 'columns' ? col?.get(0) : col?.data[0]?.children[0]?.values[0]);
    seen += table.numRows;
  }
  if (!Number.isFinite(checksum)) throw new Error('bad checksum');
  return seen;
}

async function arrowIpcWrite(path: string, rows: number, layout: Layout): Promise<void> {
  const arrow = await import('apache-arrow');
  const features = featureChunk();
  const writer = new arrow.RecordBatchFileWriter();
  const handle = await open(path, 'w');
  const drained = (async () => {
    for await (const chunk of writer as unknown as AsyncIterable<Uint8Array>) await handle.write(chunk);
  })();
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    // Writing a whole Table closes the writer after it; write its batches one by one.
    for (const batch of (await arrowTableOf(start, count, features, layout)).batches) writer.write(batch);
  }
  writer.finish();
  await drained;
  await handle.close();
}

async function arrowIpcRead(path: string, layout: Layout): Promise<number> {
  const arrow = await import('apache-arrow');
  const { createReadStream } = await import('node:fs');
  const reader = await arrow.RecordBatchReader.from(createReadStream(path));
  let seen = 0;
  let checksum = 0;
  for await (const batch of reader) {
    const col = batch.getChild(layout === 'columns' ? 'f0' : 'id');
    checksum += Number(col?.get(0));
    seen += batch.numRows;
  }
  if (!Number.isFinite(checksum)) throw new Error('bad checksum');
  return seen;
}

/** Berth's own ParquetSink: the chosen library plus the seam's conversions (lists to row arrays). */
async function berthWrite(path: string, rows: number, layout: Layout): Promise<void> {
  const { ParquetSink } = await import('../src/jobs/batch/formats/parquet-sink.js');
  const features = featureChunk();
  const flat = layout === 'list' ? Float32Array.from(listRows(features, CHUNK).flat()) : undefined;
  const sink = new ParquetSink(path, { rowGroupRows: CHUNK });
  for (let start = 0; start < rows; start += CHUNK) {
    const count = Math.min(CHUNK, rows - start);
    const columns = new Map<string, Column>([['id', { kind: 'bigint', values: ids(start, count) }]]);
    if (flat)
      columns.set('features', { kind: 'list', values: flat.subarray(0, count * FEATURES), width: FEATURES });
    else features.forEach((f, c) => columns.set(`f${c}`, { kind: 'number', values: f.subarray(0, count) }));
    await sink.write({ rows: count, firstRow: start, columns });
  }
  await sink.close();
}

/** Berth's own ParquetSource, batches of BATCH rows as the job runner asks for them. */
async function berthRead(path: string): Promise<number> {
  const { ParquetSource } = await import('../src/jobs/batch/formats/parquet-source.js');
  let seen = 0;
  for await (const batch of new ParquetSource(path).batches({ batchRows: BATCH })) seen += batch.rows;
  return seen;
}

const WRITERS = {
  hyparquet: hyparquetWrite,
  berth: berthWrite,
  'parquet-wasm': wasmWrite,
  'arrow-ipc': arrowIpcWrite,
};
const READERS = {
  hyparquet: hyparquetRead,
  berth: berthRead,
  'parquet-wasm': wasmRead,
  'arrow-ipc': arrowIpcRead,
};
type Lib = keyof typeof WRITERS;

/** Child mode: run one case, print its result as JSON on stdout. */
async function runCase(
  op: 'read' | 'write',
  lib: Lib,
  layout: Layout,
  path: string,
  rows: number,
): Promise<void> {
  const t0 = process.hrtime.bigint();
  let done = rows;
  if (op === 'write') await WRITERS[lib](path, rows, layout);
  else done = await READERS[lib](path, layout);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const result: CaseResult = {
    case: `${lib} ${op} ${layout}`,
    rows: done,
    seconds,
    rowsPerSecond: Math.round(done / seconds),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(op === 'write' ? { fileMiB: Math.round(statSync(path).size / 2 ** 20) } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function child(args: string[]): CaseResult {
  const argv = args.flatMap((a) => ['--case', a]);
  const run = spawnSync(process.execPath, [SELF, ...argv], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status === 0 && line.startsWith('{')) return JSON.parse(line) as CaseResult;
  return {
    case: `${args[1]} ${args[0]} ${args[2]}`,
    rows: 0,
    seconds: 0,
    rowsPerSecond: 0,
    peakRssMiB: 0,
    error:
      (run.stderr || run.stdout)
        .split('\n')
        .find((l) => /Error/.test(l))
        ?.trim() ?? `exit ${run.status}`,
  };
}

function versionOf(pkg: string): string {
  const url = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '1000000' }, case: { type: 'string', multiple: true } },
    allowPositionals: true,
  });
  if (values.case) {
    const [op, lib, layout, path, rows] = values.case as [string, string, string, string, string];
    return runCase(op as 'read' | 'write', lib as Lib, layout as Layout, path, Number(rows));
  }
  const rows = Number(values.rows);
  const dir = mkdtempSync(join(tmpdir(), 'berth-parquet-bench-'));
  const results: CaseResult[] = [];
  try {
    for (const layout of ['columns', 'list'] as const) {
      for (const lib of Object.keys(WRITERS) as Lib[]) {
        const path = join(dir, `${lib}-${layout}.data`);
        results.push(child(['write', lib, layout, path, String(rows)]));
        // parquet-wasm reads hyparquet-writer's file, so both libraries decode the same bytes.
        const source = lib === 'parquet-wasm' ? join(dir, `hyparquet-${layout}.data`) : path;
        results.push(child(['read', lib, layout, source, String(rows)]));
        process.stderr.write(`${JSON.stringify(results.slice(-2))}\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const env = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    versions: Object.fromEntries(
      ['hyparquet', 'hyparquet-writer', 'parquet-wasm', 'apache-arrow'].map((p) => [p, versionOf(p)]),
    ),
  };
  const shape = { rows, features: FEATURES, writeChunkRows: CHUNK, readBatchRows: BATCH, codec: 'SNAPPY' };
  const out = new URL('../../bench/results/', import.meta.url);
  mkdirSync(out, { recursive: true });
  await writeFile(new URL('parquet-libs.json', out), `${JSON.stringify({ env, shape, results }, null, 2)}\n`);
  const lines = [
    '# Parquet libraries',
    '',
    `${rows} rows × (INT64 id + ${FEATURES} FP32 features), as ${FEATURES} columns or one list<float> column;`,
    `written in chunks of ${CHUNK} rows (one row group each, SNAPPY), read in batches of ${BATCH}.`,
    `parquet-wasm reads the file hyparquet-writer wrote; \`berth\` is Berth's ParquetSink / ParquetSource`,
    `(hyparquet plus the seam's conversions). Peak RSS is the whole child process.`,
    `Node ${env.node}, ${env.cpus} × ${env.cpuModel}, shared machine: compare ratios, not absolutes.`,
    '',
    '| case | rows/s | seconds | peak RSS MiB | file MiB | error |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.case} | ${r.rowsPerSecond.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.peakRssMiB} | ${r.fileMiB ?? ''} | ${r.error ?? ''} |`,
    ),
    '',
    `Versions: ${Object.entries(env.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
  ];
  writeFileSync(fileURLToPath(new URL('parquet-libs.md', out)), lines.join('\n'));
}

await main();
