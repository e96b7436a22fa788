/** The human side of the results: bench/results/serving.md. */
import type { CaseResult } from '../cases.js';
import type { OverloadResult } from '../overload.js';
import type { RawSweep } from '../raw.js';
import type { Ratio } from './ratios.js';

export interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly smoke: boolean;
  readonly settings: Record<string, unknown>;
  readonly environment: Record<string, unknown>;
  readonly models: ReadonlyArray<{ name: string; layers: readonly number[]; params: number; bytes: number }>;
  readonly raw: readonly RawSweep[];
  readonly cases: readonly CaseResult[];
  readonly overload: readonly OverloadResult[];
  readonly ratios: readonly Ratio[];
}

const num = (value: number | null | undefined, digits = 0): string =>
  typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`);
  return lines.join('\n');
}

export function renderMarkdown(report: Report): string {
  const env = report.environment;
  const settings = report.settings;
  const out: string[] = [];
  out.push('# Berth serving benchmark', '');
  if (report.smoke)
    out.push(
      '> **Smoke run**: short windows and/or one repeat, on a busy machine. The numbers prove the harness, not Berth; do not quote them.',
      '',
    );
  out.push(
    `Run ${report.startedAt} → ${report.finishedAt} on ${String(env.cores)} cores (${String(env.cpuModel)}), Node ${String(env.node)}, ` +
      `Berth ${JSON.stringify(env.berth)}. Load on loopback from the same machine: ${String(settings.durationS)} s per window, ` +
      `median of ${String(settings.repeats)} windows after ${String(settings.warmupS)} s warm-up, ${String(settings.rows)} row(s) per request. ` +
      'Latency in ms; CPU is the server process tree (utime+stime) per answered request; "busy" is the share of all cores in use.',
    '',
    '## Ratios (the aims)',
    '',
  );
  out.push(
    table(
      ['check', 'value', 'aim', 'met', 'from'],
      report.ratios.map((r) => [
        r.description,
        num(r.value, 2),
        r.aim
          ? [r.aim.min !== undefined ? `≥ ${r.aim.min}` : '', r.aim.max !== undefined ? `≤ ${r.aim.max}` : '']
              .filter(Boolean)
              .join(' ')
          : 'info',
        r.met === null ? '–' : r.met ? 'yes' : '**no**',
        r.detail,
      ]),
    ),
    '',
  );

  out.push('## The inference limit: ONNX Runtime in-process (rows/s)', '');
  const batches = [...new Set(report.raw.flatMap((sweep) => sweep.points.map((point) => point.batch)))].sort(
    (a, b) => a - b,
  );
  const okSweeps = report.raw.filter((sweep) => sweep.status === 'ok');
  if (okSweeps.length > 0)
    out.push(
      table(
        [
          'batch',
          ...okSweeps.map((sweep) => `${sweep.model} ${sweep.setting} (intra ${sweep.threads.intraOp})`),
        ],
        batches.map((batch) => [
          String(batch),
          ...okSweeps.map((sweep) => {
            const point = sweep.points.find((entry) => entry.batch === batch);
            return point ? `${num(point.rowsPerS)} (${num(point.msPerRun, 3)} ms)` : '–';
          }),
        ]),
      ),
      '',
    );
  for (const sweep of report.raw.filter((entry) => entry.status !== 'ok'))
    out.push(`- raw ${sweep.model} ${sweep.setting}: ${sweep.status}: ${sweep.reason ?? ''}`);

  for (const model of report.models) {
    const cases = report.cases.filter((c) => c.model === model.name && c.status === 'ok');
    out.push(
      '',
      `## ${model.name}: MLP ${model.layers.join('→')} (${(model.params / 1e6).toFixed(2)} M parameters)`,
      '',
    );
    out.push(
      table(
        [
          'target',
          'conns',
          'req/s',
          'rows/s',
          'p50',
          'p90',
          'p99',
          'CPU µs/req',
          'batch',
          'failed / timeouts / socket',
          'busy',
          'load',
        ],
        cases.map((c) => {
          const s = c.summary;
          return [
            c.target,
            String(c.connections),
            num(s?.reqPerS),
            num(s?.rowsPerS),
            num(s?.p50Ms, 2),
            num(s?.p90Ms, 2),
            num(s?.p99Ms, 2),
            num(s?.cpuMsPerReq === null || s?.cpuMsPerReq === undefined ? null : s.cpuMsPerReq * 1000),
            num(s?.meanBatchSize, 1),
            `${s?.failed ?? 0} / ${s?.timeouts ?? 0} / ${s?.socketErrors ?? 0}`,
            s?.machineBusy === null || s?.machineBusy === undefined
              ? '–'
              : `${Math.round(s.machineBusy * 100)}%`,
            c.tool ?? '',
          ];
        }),
      ),
    );
  }

  if (report.overload.length > 0) {
    out.push('', '## Overload: small queue, many connections', '');
    for (const result of report.overload) {
      out.push(
        `- ${result.model}, ${result.connections} connections, \`berth serve ${result.flags.join(' ')}\`: ${result.status}` +
          (result.reason ? ` (${result.reason})` : ''),
      );
      if (result.status !== 'ok') continue;
      out.push(
        `  - responses by status: ${JSON.stringify(result.statusCounts)}; timeouts: ${result.summary?.timeouts ?? 0}`,
      );
      for (const [status, stats] of Object.entries(result.probe))
        out.push(
          `  - side probe, ${status}: ${stats.count} responses, p50 ${num(stats.p50Ms, 2)} ms, p99 ${num(stats.p99Ms, 2)} ms, max ${num(stats.maxMs, 2)} ms, Retry-After on ${stats.retryAfter}`,
        );
    }
  }

  const missing = report.cases.filter((c) => c.status !== 'ok');
  const seen = new Set<string>();
  const rows: string[][] = [];
  for (const c of missing) {
    const key = `${c.model}/${c.target}/${c.reason ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const conns = missing
      .filter((m) => m.model === c.model && m.target === c.target && m.reason === c.reason)
      .map((m) => m.connections);
    rows.push([c.target, c.model, conns.join(', '), c.status, c.reason ?? '']);
  }
  if (rows.length > 0)
    out.push(
      '',
      '## Unavailable or failed',
      '',
      table(['target', 'model', 'conns', 'status', 'reason'], rows),
    );

  out.push('', '## Targets', '');
  const targets = new Map<string, string>();
  for (const c of report.cases)
    if (!targets.has(c.target))
      targets.set(c.target, `${c.label}${c.notes.map((note) => ` — \`${note}\``).join('')}`);
  for (const [id, label] of targets) out.push(`- \`${id}\`: ${label}`);

  out.push('', '## Environment', '', '```json', JSON.stringify(env, null, 2), '```', '');
  return out.join('\n');
}
