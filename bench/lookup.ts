/**
 * `node dist/bench/lookup.js`: what a lookup table (lookup.bin) costs to start and hold. For each
 * case in BENCH_LOOKUP_CASES (size:kind, default below), builds a table of shuffled
 * keys with a FP32 score and a FP32[4] vector per key, writes it, then loads it in a fresh child
 * process (so RSS is the table's, not the build's) and times the load and 200 k random lookups.
 * Writes bench/results/lookup.json (every figure and the environment) and lookup.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelConfigSchema } from '../src/core/model-config.js';
import type { Tensor } from '../src/core/tensor.js';
import type { Column } from '../src/jobs/batch/records.js';
import { writeLookupFolder } from '../src/jobs/lookup/publish-lookup.js';
import { LookupTableBuilder } from '../src/jobs/lookup/table-builder.js';
import { LOOKUP_FILE } from '../src/runtime/lookup/lookup-file.js';
import { LookupRuntime } from '../src/runtime/lookup/lookup-runtime.js';
import { repoRoot } from './lib/paths.js';

type KeyKind = 'INT64' | 'BYTES';
const PROBES = 200_000;
/** 10 M text keys take minutes to sort in JavaScript on a shared 2-core machine: opt in with the variable. */
const DEFAULT_CASES = '1000000:INT64,10000000:INT64,1000000:BYTES';
const PROBE_BATCH = 1024;

/** xorshift32: the same keys and probes every run. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** Key i of a table: ids spread over a wide range, or `user-<id>` texts. */
const intKey = (i: number): number => i * 7 + 3;

async function build(
  size: number,
  kind: KeyKind,
  dir: string,
): Promise<{ buildMs: number; fileBytes: number }> {
  const started = performance.now();
  const next = random(size);
  // A shuffled permutation, so the sort does real work (batch outputs are not in key order).
  const order = Uint32Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const builder = new LookupTableBuilder('id', 'error');
  const rows = 65_536;
  for (let first = 0; first < size; first += rows) {
    const count = Math.min(rows, size - first);
    const ids = order.subarray(first, first + count);
    const key =
      kind === 'INT64'
        ? { kind: 'bigint' as const, values: BigInt64Array.from(ids, (id) => BigInt(intKey(id))) }
        : { kind: 'string' as const, values: Array.from(ids, (id) => `user-${intKey(id)}`) };
    builder.add(
      {
        rows: count,
        firstRow: first,
        columns: new Map<string, Column>([
          ['id', key],
          ['score', { kind: 'number', values: Float32Array.from(ids, (id) => id / size) }],
          [
            'vec',
            {
              kind: 'list',
              values: Float32Array.from({ length: count * 4 }, (_, k) => ids[k >> 2]! + (k & 3)),
              width: 4,
            },
          ],
        ]),
      },
      'bench',
    );
  }
  await writeLookupFolder(dir, builder.build());
  return { buildMs: performance.now() - started, fileBytes: (await stat(join(dir, LOOKUP_FILE))).size };
}

/** In the child: load the table, probe it, print one JSON line. */
async function loadAndProbe(dir: string, size: number, kind: KeyKind): Promise<void> {
  const before = process.memoryUsage();
  const started = performance.now();
  const model = await new LookupRuntime().load(
    dir,
    modelConfigSchema.parse({ runtime: 'lookup', model_file: LOOKUP_FILE }),
  );
  const loadMs = performance.now() - started;
  const after = process.memoryUsage();
  const next = random(size + 1);
  // Probe tensors are made before the clock starts: the figure is the runtime's, not the bench's.
  const probes: Tensor[] = [];
  for (let done = 0; done < PROBES; done += PROBE_BATCH) {
    // Ids in [0, 2 × size): about half are keys of the table, half miss.
    const ids = Array.from({ length: PROBE_BATCH }, () => Math.floor(next() * size * 2));
    probes.push(
      kind === 'INT64'
        ? {
            name: 'key',
            datatype: 'INT64',
            shape: [PROBE_BATCH],
            data: BigInt64Array.from(ids, (id) => BigInt(intKey(id))),
          }
        : {
            name: 'key',
            datatype: 'BYTES',
            shape: [PROBE_BATCH],
            data: ids.map((id) => Buffer.from(`user-${intKey(id)}`)),
          },
    );
  }
  let found = 0;
  const probeStart = performance.now();
  for (const key of probes) {
    const out = await model.infer(new Map([['key', key]]), ['score', 'vec', 'found']);
    for (const flag of out.get('found')!.data as Uint8Array) found += flag;
  }
  const probeMs = performance.now() - probeStart;
  process.stdout.write(
    `${JSON.stringify({
      loadMs,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      arrayBuffersBytes: after.arrayBuffers,
      heapUsedDeltaBytes: after.heapUsed - before.heapUsed,
      nsPerLookup: (probeMs * 1e6) / PROBES,
      foundShare: found / PROBES,
    })}\n`,
  );
}

async function main(): Promise<void> {
  const [, , mode, dir, size, kind] = process.argv;
  if (mode === '--child') return loadAndProbe(dir!, Number(size), kind as KeyKind);
  const cases = (process.env.BENCH_LOOKUP_CASES ?? DEFAULT_CASES).split(',').map((item) => {
    const [size, kind] = item.split(':');
    return { size: Number(size), kind: (kind ?? 'INT64') as KeyKind };
  });
  const results = [];
  for (const { size, kind } of cases) {
    const folder = await mkdtemp(join(tmpdir(), 'berth-lookup-bench-'));
    try {
      const built = await build(size, kind, folder);
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', folder, String(size), kind],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      );
      if (child.status !== 0) throw new Error(`load child failed: ${child.stderr}`);
      const loaded = JSON.parse(child.stdout.trim()) as {
        loadMs: number;
        rssBeforeBytes: number;
        rssAfterBytes: number;
        nsPerLookup: number;
      };
      const result = { keys: size, keyKind: kind, valueBytesPerKey: 20, ...built, ...loaded };
      console.log(JSON.stringify(result));
      results.push(result);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
  const environment = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
  const out = join(repoRoot(), 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(
    join(out, 'lookup.json'),
    `${JSON.stringify({ environment, probes: PROBES, results }, null, 2)}\n`,
  );
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const lines = [
    '# Lookup table: load time and memory',
    '',
    `Node ${environment.node}, ${environment.cpus} cores (${environment.cpuModel}), shared with other work. Each table has a FP32 score and a FP32[4] vector per key; loaded in a fresh process; ${PROBES} random lookups in batches of ${PROBE_BATCH}, about half missing.`,
    '',
    '| keys | key | build s | file MiB | load ms | RSS before → after MiB | RSS added MiB | ns / lookup |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.keys.toLocaleString('en')} | ${r.keyKind} | ${(r.buildMs / 1000).toFixed(1)} | ${mb(r.fileBytes)} | ${r.loadMs.toFixed(0)} | ${mb(r.rssBeforeBytes)} → ${mb(r.rssAfterBytes)} | ${mb(r.rssAfterBytes - r.rssBeforeBytes)} | ${r.nsPerLookup.toFixed(0)} |`,
    ),
    '',
  ];
  await writeFile(join(out, 'lookup.md'), lines.join('\n'));
}

await main();
