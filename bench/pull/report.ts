/** bench/results/pull.md: the headline ratios, every case's medians, the sweep and the profile. */
import type { PullBackend } from './config.js';
import type { ProfileSummary } from './profile.js';
import type { ReadySummary } from './ready.js';
import type { CaseSummary } from './summary.js';

/** What the markdown is made from (a subset of pull.json). */
export interface PullReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly smoke: boolean;
  readonly sizeBytes: number;
  readonly repeats: number;
  readonly environment: Record<string, unknown>;
  readonly floorMethods: Record<string, string>;
  readonly summary: readonly CaseSummary[];
  readonly components: Record<string, { mbps: number | null; cpuSPerGB: number | null }>;
  readonly ready: readonly ReadySummary[];
  readonly profiles: Partial<Record<PullBackend, ProfileSummary>>;
  readonly skipped: readonly string[];
  readonly notes: readonly string[];
}

const AIM = 0.9;

export function renderPullMarkdown(report: PullReport): string {
  const env = report.environment;
  const lines: string[] = [
    '# Pull benchmark',
    '',
    `${report.startedAt} → ${report.finishedAt}. One ${mb(report.sizeBytes)} MB (${Math.round(report.sizeBytes / 1048576)} MiB) ` +
      `model file, ${report.repeats} repeat(s) per case, cases interleaved. MB = 10^6 bytes; tables show medians.` +
      (report.smoke ? ' **Smoke run** (fewer than 3 repeats or a file under 256 MiB): indicative only.' : ''),
    '',
    `Machine: ${String(env.cpus)} × ${String(env.cpuModel)}, ${String(env.memoryGiB)} GiB, load average ` +
      `${String(env.loadBefore)} before / ${String(env.loadAfter)} after (shared machine: expect noise). ` +
      `Node ${String(env.node)}, Hadoop ${String(env.hadoop)} (dfs.blocksize ${String(env.hdfsBlockMiB)} MiB), ` +
      `versitygw ${String(env.versitygw)}, @aws-sdk/client-s3 ${String(env.awsSdk)}.`,
    '',
    '## Berth ÷ floor',
    '',
    `Aim: Berth's pull (\`localize\`, default range settings) ≥ ${AIM} × the raw floor (one plain streamed GET to /dev/null).`,
    '',
    '| backend | floor MB/s | Berth default MB/s | ratio | aim met | best Berth setting | best MB/s | best ratio | ranged-GET floor MB/s |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |',
  ];
  for (const backend of backendsOf(report.summary)) {
    const rows = report.summary.filter((row) => row.backend === backend);
    const floor = rows.find((row) => row.case === 'floor');
    const ranges = rows.find((row) => row.case === 'floor-ranges');
    const berth = rows.filter((row) => row.kind === 'berth');
    const chosen = berth.find((row) => row.isDefault);
    const best = [...berth].sort((a, b) => (b.medianMBps ?? 0) - (a.medianMBps ?? 0))[0];
    const met = chosen?.ratioToFloor == null ? 'n/a' : chosen.ratioToFloor >= AIM ? 'yes' : 'no';
    lines.push(
      `| ${backend} | ${num(floor?.medianMBps)} | ${num(chosen?.medianMBps)} | ${num(chosen?.ratioToFloor, 2)} | ${met} | ` +
        `${best?.label ?? 'n/a'} | ${num(best?.medianMBps)} | ${num(best?.ratioToFloor, 2)} | ${num(ranges?.medianMBps)} |`,
    );
  }
  for (const backend of backendsOf(report.summary)) {
    const rows = report.summary.filter((row) => row.backend === backend);
    lines.push(
      '',
      `## ${backend}: every case`,
      '',
      '| case | what | MB/s (median) | min–max | ÷ floor | ÷ ranged floor | client CPU s/GB | server CPU s/GB | reads | mean open ms | errors |',
      '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const row of rows)
      lines.push(
        `| ${row.case}${row.isDefault ? ' **(default)**' : ''} | ${row.label} | ${num(row.medianMBps)} | ` +
          `${num(row.minMBps)}–${num(row.maxMBps)} | ${num(row.ratioToFloor, 2)} | ${num(row.ratioToRangesFloor, 2)} | ` +
          `${num(row.clientCpuSPerGB, 2)} | ${num(row.serverCpuSPerGB, 2)} | ${num(row.reads)} | ${num(row.meanOpenMs, 1)} | ` +
          `${row.errors.length === 0 ? '' : `${row.errors.length}: ${escape(row.errors[0] ?? '')}`} |`,
      );
    lines.push('', ...sweepTable(backend, rows), '', ...gapLines(backend, rows));
  }
  lines.push(
    '',
    '## Local parts alone (this machine, same run)',
    '',
    '| part | MB/s (median) | CPU s/GB |',
    '| --- | ---: | ---: |',
    component('sha256 over bytes in memory (1 MiB updates, one thread)', report.components.sha256),
    component(
      "1 MiB positional writes of 64 KiB chunks, several in flight, fdatasync in the background and at the end, new file in the cache's file system (what a download does now)",
      report.components['disk-write'],
    ),
  );
  lines.push(...readyLines(report.ready));
  for (const [backend, summary] of Object.entries(report.profiles)) {
    lines.push(
      '',
      `## Profile: ${backend}, one default pull (main thread, V8 sampling profiler)`,
      '',
      `Wall ${summary.wallMs} ms; raw profile: \`${summary.file}\`.`,
      '',
      '| where | ms | share |',
      '| --- | ---: | ---: |',
    );
    const total = Object.values(summary.categories).reduce((sum, ms) => sum + ms, 0) || 1;
    for (const [category, ms] of Object.entries(summary.categories).sort((a, b) => b[1] - a[1]))
      lines.push(`| ${category} | ${ms} | ${Math.round((100 * ms) / total)}% |`);
    lines.push('', '| function (self time) | ms |', '| --- | ---: |');
    for (const entry of summary.top.slice(0, 10)) lines.push(`| \`${escape(entry.fn)}\` | ${entry.ms} |`);
  }
  lines.push('', '## How each floor was measured', '');
  for (const [name, method] of Object.entries(report.floorMethods)) lines.push(`- **${name}**: ${method}`);
  if (report.notes.length > 0) lines.push('', '## Notes', '', ...report.notes.map((note) => `- ${note}`));
  if (report.skipped.length > 0)
    lines.push('', '## Skipped (time bound)', '', ...report.skipped.map((item) => `- ${item}`));
  return `${lines.join('\n')}\n`;
}

/** Rows: concurrency; columns: range size; cells: MB/s and ratio to the floor. */
function sweepTable(backend: string, rows: readonly CaseSummary[]): string[] {
  const berth = rows.filter((row) => row.kind === 'berth' && row.concurrency !== undefined);
  const chunks = [...new Set(berth.filter((r) => (r.concurrency ?? 0) > 1).map((r) => r.chunkMiB ?? 0))].sort(
    (a, b) => a - b,
  );
  const concurrencies = [...new Set(berth.map((row) => row.concurrency ?? 0))].sort((a, b) => a - b);
  const lines = [
    `### ${backend}: scaling of the range download (MB/s, ÷ floor)`,
    '',
    `| concurrency | ${chunks.map((chunk) => `${chunk} MiB ranges`).join(' | ')} |`,
    `| ---: | ${chunks.map(() => '---:').join(' | ')} |`,
  ];
  for (const concurrency of concurrencies) {
    const cells = chunks.map((chunk) => {
      const row = berth.find(
        (r) => r.concurrency === concurrency && (concurrency === 1 || r.chunkMiB === chunk),
      );
      if (row === undefined) return '';
      const cell = `${num(row.medianMBps)} (${num(row.ratioToFloor, 2)})`;
      return row.isDefault ? `**${cell}**` : cell;
    });
    const label = concurrency === 1 ? '1 (one stream, not split)' : String(concurrency);
    lines.push(`| ${label} | ${cells.join(' | ')} |`);
  }
  return lines;
}

/** Where the distance to the floor comes from: each step's median ratio to the step before. */
function gapLines(backend: string, rows: readonly CaseSummary[]): string[] {
  const find = (id: string) => rows.find((row) => row.case === id);
  const floor = find('floor');
  const chosen = rows.find((row) => row.isDefault);
  const step = (label: string, part: CaseSummary | undefined, whole: CaseSummary | undefined) => {
    if (part === undefined || whole === undefined) return []; // a case this backend has not got
    const value =
      part.medianMBps != null && whole.medianMBps != null && whole.medianMBps > 0
        ? (part.medianMBps / whole.medianMBps).toFixed(2)
        : 'n/a';
    return [`| ${label} | ${part.case} ÷ ${whole.case} | ${value} |`];
  };
  return [
    `### ${backend}: where the distance to the floor comes from`,
    '',
    '| step | cases | ratio |',
    '| --- | --- | ---: |',
    ...step("Berth's store layer, one stream (retries, stream wrappers)", find('store-read'), floor),
    ...step('parallel ranges instead of one GET, raw', find('floor-ranges'), floor),
    ...step('a NameNode 307 before every range', find('floor-ranges-redirect'), find('floor-ranges')),
    ...step("Berth's store layer, ranges", find('store-ranges'), find('floor-ranges')),
    ...step('disk writes + sha256 + fsync, one stream', find('berth-c1'), find('store-read')),
    ...step(
      'disk writes + in-order sha256 (read back) + fsync, default ranges',
      chosen,
      find('store-ranges'),
    ),
    '',
    `Client CPU per GB: floor ${num(floor?.clientCpuSPerGB, 2)} s, Berth default ${num(chosen?.clientCpuSPerGB, 2)} s; ` +
      `servers ${num(floor?.serverCpuSPerGB, 2)} / ${num(chosen?.serverCpuSPerGB, 2)} s.`,
  ];
}

function component(label: string, value: { mbps: number | null; cpuSPerGB: number | null } | undefined) {
  return `| ${label} | ${num(value?.mbps)} | ${num(value?.cpuSPerGB, 2)} |`;
}

function backendsOf(rows: readonly CaseSummary[]): PullBackend[] {
  return [...new Set(rows.map((row) => row.backend))];
}

const READY_AIM = 1.1;

function readyLines(ready: readonly ReadySummary[]): string[] {
  if (ready.length === 0) return [];
  return [
    '',
    '## Time to ready: `berth serve` of the same model',
    '',
    `Aim: spawn → first 200 of /v2/health/ready ≤ ${READY_AIM} × (pull + session create + warm-up). The pull is ` +
      "this run's default `localize` median (in this process); session create and warm-up are the server's own " +
      '"model ready" log line (loadMs, warmupMs), as is its own pull (downloadMs). Each start has a new empty cache.',
    '',
    '| backend | starts | ready s | spawn → listening s | pull s (localize) | server pull s | session create s | warm-up s | ready ÷ (pull + create + warm-up) | aim met | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...ready.map(
      (row) =>
        `| ${row.backend} | ${row.starts} | ${num(row.readySeconds, 2)} | ${num(row.listenS, 2)} | ${num(row.pullS, 2)} | ${num(row.serverDownloadS, 2)} | ` +
        `${num(row.loadS, 2)} | ${num(row.warmupS, 3)} | ${num(row.ratio, 2)} | ` +
        `${row.ratio === null ? 'n/a' : row.ratio <= READY_AIM ? 'yes' : 'no'} | ${row.errors} |`,
    ),
  ];
}

function num(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined) return 'n/a';
  return digits === undefined ? String(Math.round(value)) : value.toFixed(digits);
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 160);
}
