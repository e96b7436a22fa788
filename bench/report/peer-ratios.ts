/**
 * The ratios against a real Triton (issue 11's aims) and KServe (for information), from the medians
 * of one run: each compares Berth with the peer at the same instance count and protocol.
 */
import type { CaseResult, CaseSummary } from '../cases.js';
import { ratio } from '../lib/stats.js';
import { BERTH_BINARY, BERTH_GRPC, BERTH_JSON, BERTH_JSON_ONE_WORKER } from '../targets/catalog.js';
import type { Ratio } from './ratios.js';

type Metric = 'reqPerS' | 'rowsPerS' | 'p50Ms' | 'p99Ms' | 'cpuMsPerReq';

interface Comparison {
  readonly id: string;
  readonly description: string;
  readonly model: string;
  readonly connections: number;
  readonly berth: string;
  readonly peer: string;
  readonly metric: Metric;
  readonly aim?: Ratio['aim'];
}

const UNIT: Record<Metric, (value: number | null | undefined) => string> = {
  reqPerS: (v) => `${fmt(v)} req/s`,
  rowsPerS: (v) => `${fmt(v)} rows/s`,
  p50Ms: (v) => `p50 ${fmt(v, 3)} ms`,
  p99Ms: (v) => `p99 ${fmt(v, 2)} ms`,
  cpuMsPerReq: (v) => `${fmt(typeof v === 'number' ? v * 1000 : v)} µs CPU/req`,
};

const fmt = (value: number | null | undefined, digits = 0): string =>
  typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

/** The Triton and KServe rows of the ratio table. */
export function peerRatios(cases: readonly CaseResult[], high: number): Ratio[] {
  return comparisons(high).map((c) => compare(cases, c));
}

function comparisons(high: number): Comparison[] {
  const list: Comparison[] = [];
  const push = (c: Comparison): void => void list.push(c);
  const rank = { model: 'ranking', connections: high } as const;
  // Berth runs with its defaults (--workers auto: one process per core, one instance each), Triton
  // with 1 instance (the baseline) and, for the same instance count, with 2.
  push({
    ...rank,
    id: 'ranking-json-vs-triton',
    description: `ranking @${high}, JSON: Berth req/s ÷ Triton (1 instance) req/s`,
    berth: BERTH_JSON,
    peer: 'triton-1i-json',
    metric: 'reqPerS',
    aim: { min: 1.3 },
  });
  push({
    ...rank,
    id: 'ranking-json-p99-vs-triton',
    description: `ranking @${high}, JSON: Berth p99 ÷ Triton (1 instance) p99 (lower is better)`,
    berth: BERTH_JSON,
    peer: 'triton-1i-json',
    metric: 'p99Ms',
    aim: { max: 1.0 },
  });
  for (const [protocol, berth] of [
    ['binary', BERTH_BINARY],
    ['grpc', BERTH_GRPC],
  ] as const) {
    push({
      ...rank,
      id: `ranking-${protocol}-vs-triton`,
      description: `ranking @${high}, ${protocol}: Berth req/s ÷ Triton (1 instance) ${protocol} req/s`,
      berth,
      peer: `triton-1i-${protocol}`,
      metric: 'reqPerS',
      aim: { min: 1.0 },
    });
  }
  for (const protocol of ['json', 'binary', 'grpc'] as const) {
    push({
      ...rank,
      id: `ranking-${protocol}-vs-triton-2i`,
      description: `ranking @${high}, ${protocol}: Berth req/s ÷ Triton (2 instances) req/s`,
      berth: protocol === 'json' ? BERTH_JSON : protocol === 'binary' ? BERTH_BINARY : BERTH_GRPC,
      peer: `triton-2i-${protocol}`,
      metric: 'reqPerS',
    });
  }
  push({
    ...rank,
    id: 'ranking-json-cpu-vs-triton',
    description: `ranking @${high}, JSON: Berth server CPU per request ÷ Triton's (1 instance)`,
    berth: BERTH_JSON,
    peer: 'triton-1i-json',
    metric: 'cpuMsPerReq',
  });
  push({
    model: 'ranking',
    connections: 1,
    id: 'ranking-c1-p50-vs-triton',
    description: 'ranking @1, JSON: Berth p50 ÷ Triton (1 instance) p50',
    berth: BERTH_JSON,
    peer: 'triton-1i-json',
    metric: 'p50Ms',
    aim: { max: 1.0 },
  });
  const compute = { model: 'compute', connections: high, metric: 'rowsPerS' } as const;
  push({
    ...compute,
    id: 'compute-vs-triton-2i',
    description: `compute @${high}, JSON: Berth (defaults: one worker per core, one instance each) rows/s ÷ Triton (2 instances) rows/s`,
    berth: BERTH_JSON,
    peer: 'triton-2i-json',
    aim: { min: 1.0 },
  });
  push({
    ...compute,
    id: 'compute-1w-instances-vs-triton-2i',
    description: `compute @${high}, JSON: one Berth process with one instance per core rows/s ÷ Triton (2 instances) rows/s`,
    berth: 'berth-json-instances',
    peer: 'triton-2i-json',
  });
  push({
    ...compute,
    id: 'compute-vs-triton-1i',
    description: `compute @${high}, JSON: Berth (defaults) rows/s ÷ Triton (1 instance) rows/s`,
    berth: BERTH_JSON,
    peer: 'triton-1i-json',
  });
  push({
    ...rank,
    id: 'ranking-1w-vs-triton',
    description: `ranking @${high}, JSON: Berth --workers 1 req/s ÷ Triton (1 instance) req/s`,
    berth: BERTH_JSON_ONE_WORKER,
    peer: 'triton-1i-json',
    metric: 'reqPerS',
  });
  push({
    ...rank,
    id: 'ranking-json-vs-1w',
    description: `ranking @${high}, JSON: Berth defaults req/s ÷ Berth --workers 1 req/s`,
    berth: BERTH_JSON,
    peer: BERTH_JSON_ONE_WORKER,
    metric: 'reqPerS',
  });
  for (const [protocol, berth] of [
    ['json', BERTH_JSON],
    ['binary', BERTH_BINARY],
    ['grpc', BERTH_GRPC],
  ] as const) {
    push({
      ...rank,
      id: `ranking-${protocol}-vs-kserve`,
      description: `ranking @${high}, ${protocol}: Berth req/s ÷ KServe (1 worker) ${protocol} req/s`,
      berth,
      peer: `kserve-${protocol}`,
      metric: 'reqPerS',
    });
  }
  return list;
}

function compare(cases: readonly CaseResult[], c: Comparison): Ratio {
  const find = (target: string): CaseResult | undefined =>
    cases.find((r) => r.model === c.model && r.target === target && r.connections === c.connections);
  const ok = (found: CaseResult | undefined): CaseSummary | undefined =>
    found?.status === 'ok' ? found.summary : undefined;
  const why = (target: string, found: CaseResult | undefined): string =>
    found === undefined
      ? `${target} @${c.connections} not run`
      : `${target}: ${found.status}: ${found.reason ?? ''}`;
  const a = find(c.berth);
  const b = find(c.peer);
  const x = ok(a);
  const y = ok(b);
  const value = ratio(x?.[c.metric], y?.[c.metric]);
  const met =
    value === null || c.aim === undefined
      ? null
      : (c.aim.min === undefined || value >= c.aim.min) && (c.aim.max === undefined || value <= c.aim.max);
  const detail =
    x && y
      ? `${c.berth} ${UNIT[c.metric](x[c.metric])} ÷ ${c.peer} ${UNIT[c.metric](y[c.metric])}` +
        (c.metric === 'reqPerS' ? `; p99 ${fmt(x.p99Ms, 2)} vs ${fmt(y.p99Ms, 2)} ms` : '')
      : [x ? '' : why(c.berth, a), y ? '' : why(c.peer, b)].filter(Boolean).join('; ');
  return {
    id: c.id,
    description: c.description,
    value,
    ...(c.aim ? { aim: c.aim } : {}),
    met,
    detail,
  };
}
