/**
 * The ratios the serving aims are stated in (issue: "Aims"), computed from the medians of one run.
 * Each says its value, the aim, whether it is met, and the numbers it came from; a ratio whose inputs
 * are missing (a variant unavailable) has value null and says which input is missing.
 */
import type { CaseResult, CaseSummary } from '../cases.js';
import type { OverloadResult } from '../overload.js';
import { bestRaw, rawMsAt, type RawSweep } from '../raw.js';
import { ratio } from '../lib/stats.js';
import { BERTH_BINARY, BERTH_GRPC, BERTH_JSON, BERTH_JSON_UNBATCHED } from '../targets/catalog.js';
import { peerRatios } from './peer-ratios.js';

export interface Ratio {
  readonly id: string;
  readonly description: string;
  readonly value: number | null;
  /** The aim: value ≥ min or value ≤ max; absent for ratios reported for information. */
  readonly aim?: { readonly min?: number; readonly max?: number };
  readonly met: boolean | null;
  readonly detail: string;
}

export interface RatioInputs {
  readonly cases: readonly CaseResult[];
  readonly raw: readonly RawSweep[];
  readonly overload: readonly OverloadResult[];
  readonly rows: number;
  readonly highConnections: number;
}

const fmt = (value: number | null | undefined, digits = 0): string =>
  typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

export function computeRatios(input: RatioInputs): Ratio[] {
  const high = input.highConnections;
  const get = (model: string, target: string, connections: number): CaseSummary | undefined =>
    input.cases.find(
      (c) => c.model === model && c.target === target && c.connections === connections && c.status === 'ok',
    )?.summary;
  const why = (model: string, target: string, connections: number): string => {
    const found = input.cases.find(
      (c) => c.model === model && c.target === target && c.connections === connections,
    );
    return found === undefined
      ? `${target} @${connections} not run`
      : found.status === 'ok'
        ? ''
        : `${target}: ${found.status}: ${found.reason ?? ''}`;
  };
  const ratios: Ratio[] = [];
  const add = (
    id: string,
    description: string,
    value: number | null,
    aim: Ratio['aim'],
    detail: string,
  ): void => {
    const met =
      value === null || aim === undefined
        ? null
        : (aim.min === undefined || value >= aim.min) && (aim.max === undefined || value <= aim.max);
    ratios.push({ id, description, value, ...(aim ? { aim } : {}), met, detail });
  };
  const reqRatio = (
    id: string,
    description: string,
    model: string,
    a: string,
    b: string,
    aim: Ratio['aim'],
  ): void => {
    const x = get(model, a, high);
    const y = get(model, b, high);
    add(
      id,
      description,
      ratio(x?.reqPerS, y?.reqPerS),
      aim,
      x && y
        ? `${a} ${fmt(x.reqPerS)} req/s ÷ ${b} ${fmt(y.reqPerS)} req/s`
        : [why(model, a, high), why(model, b, high)].filter(Boolean).join('; '),
    );
  };

  // Small model, high concurrency: serving costs nothing visible beyond HTTP.
  reqRatio(
    'json-vs-floor',
    `ranking @${high}, JSON: Berth req/s ÷ HTTP floor req/s`,
    'ranking',
    BERTH_JSON,
    'floor-json',
    { min: 1.0 },
  );
  reqRatio(
    'json-unbatched-vs-floor',
    `ranking @${high}, JSON, batching off: Berth ÷ HTTP floor`,
    'ranking',
    BERTH_JSON_UNBATCHED,
    'floor-json',
    undefined,
  );
  reqRatio(
    'binary-vs-floor',
    `ranking @${high}: Berth binary tensors req/s ÷ JSON floor req/s`,
    'ranking',
    BERTH_BINARY,
    'floor-json',
    { min: 1.5 },
  );
  reqRatio(
    'grpc-vs-floor',
    `ranking @${high}: Berth gRPC req/s ÷ JSON floor req/s`,
    'ranking',
    BERTH_GRPC,
    'floor-json',
    { min: 1.5 },
  );

  // One connection: p50 ≤ floor p50 + 1.5 × raw inference at the request's batch.
  {
    const berth = get('ranking', BERTH_JSON, 1);
    const floor = get('ranking', 'floor-json', 1);
    const rawMs = rawMsAt(input.raw, 'ranking', input.rows);
    const bound = floor?.p50Ms != null && rawMs !== null ? floor.p50Ms + 1.5 * rawMs : null;
    add(
      'single-client-p50',
      'ranking @1: Berth p50 ÷ (floor p50 + 1.5 × raw inference time)',
      ratio(berth?.p50Ms, bound),
      { max: 1.0 },
      berth && bound !== null
        ? `Berth p50 ${fmt(berth.p50Ms, 3)} ms vs floor p50 ${fmt(floor?.p50Ms, 3)} ms + 1.5 × ${fmt(rawMs, 3)} ms = ${fmt(bound, 3)} ms`
        : [
            why('ranking', BERTH_JSON, 1),
            why('ranking', 'floor-json', 1),
            rawMs === null ? `no raw batch-${input.rows} time` : '',
          ]
            .filter(Boolean)
            .join('; '),
    );
  }

  // Compute-bound model: rows/s close to the best the runtime does in-process.
  {
    const best = bestRaw(input.raw, 'compute');
    const berthCases = input.cases.filter(
      (c) => c.model === 'compute' && c.group === 'berth' && c.connections === high && c.status === 'ok',
    );
    const top = berthCases.reduce<CaseResult | undefined>(
      (a, b) => ((b.summary?.rowsPerS ?? 0) > (a?.summary?.rowsPerS ?? 0) ? b : a),
      undefined,
    );
    add(
      'compute-vs-raw',
      `compute @${high}: best Berth rows/s ÷ best raw in-process rows/s`,
      ratio(top?.summary?.rowsPerS, best?.rowsPerS),
      { min: 0.85 },
      top && best
        ? `${top.target} ${fmt(top.summary?.rowsPerS)} rows/s ÷ raw ${fmt(best.rowsPerS)} rows/s (batch ${best.batch}, ${best.setting}); ` +
            berthCases.map((c) => `${c.target} ${fmt(c.summary?.rowsPerS)}`).join(', ')
        : best === null
          ? 'no raw sweep of the compute model'
          : `no Berth case of the compute model at ${high} connections`,
    );
  }

  // Peers, at high concurrency, on both models.
  for (const model of ['ranking', 'compute']) {
    const berth = get(model, BERTH_JSON, high);
    const fastapi = ['fastapi-1w', 'fastapi-2w']
      .map((id) => ({ id, summary: get(model, id, high) }))
      .filter((entry) => entry.summary !== undefined)
      .sort((a, b) => (b.summary?.reqPerS ?? 0) - (a.summary?.reqPerS ?? 0))[0];
    const aims = model === 'ranking';
    add(
      `${model}-vs-fastapi`,
      `${model} @${high}: Berth JSON req/s ÷ best FastAPI (1 or 2 workers) req/s`,
      ratio(berth?.reqPerS, fastapi?.summary?.reqPerS),
      aims ? { min: 2.5 } : undefined,
      berth && fastapi
        ? `${BERTH_JSON} ${fmt(berth.reqPerS)} req/s ÷ ${fastapi.id} ${fmt(fastapi.summary?.reqPerS)} req/s`
        : [
            why(model, BERTH_JSON, high),
            fastapi ? '' : `no FastAPI result (${why(model, 'fastapi-1w', high)})`,
          ]
            .filter(Boolean)
            .join('; '),
    );
    add(
      `${model}-p99-vs-fastapi`,
      `${model} @${high}: Berth p99 ÷ that FastAPI's p99 (lower is better)`,
      ratio(berth?.p99Ms, fastapi?.summary?.p99Ms),
      aims ? { max: 1.0 } : undefined,
      berth && fastapi
        ? `${fmt(berth.p99Ms, 2)} ms vs ${fmt(fastapi.summary?.p99Ms, 2)} ms`
        : 'missing input (see above)',
    );
    for (const peer of ['ray-serve', 'mlserver']) {
      const other = get(model, peer, high);
      add(
        `${model}-vs-${peer}`,
        `${model} @${high}: Berth JSON req/s ÷ ${peer} req/s (p99 in detail)`,
        ratio(berth?.reqPerS, other?.reqPerS),
        undefined,
        berth && other
          ? `${fmt(berth.reqPerS)} vs ${fmt(other.reqPerS)} req/s; p99 ${fmt(berth.p99Ms, 2)} vs ${fmt(other.p99Ms, 2)} ms`
          : [why(model, BERTH_JSON, high), why(model, peer, high)].filter(Boolean).join('; '),
      );
    }
  }

  // A real Triton (the aims of issue 11) and KServe, protocol for protocol.
  ratios.push(...peerRatios(input.cases, high));

  for (const result of input.overload) {
    const s503 = result.statusCounts['503'] ?? 0;
    const timeouts = result.status === 'ok' ? (result.summary?.timeouts ?? 0) : null;
    ratios.push({
      id: `overload-${result.model}`,
      description: `${result.model} @${result.connections}, --max-queue-size ${result.queueSize}: timed-out requests (aim: 0, with fast 503s)`,
      value: timeouts,
      aim: { max: 0 },
      met: timeouts === null ? null : timeouts === 0 && s503 > 0,
      detail:
        result.status === 'ok'
          ? `503: ${s503}, 200: ${result.statusCounts['200'] ?? 0}, timeouts: ${timeouts}; probe 503 p50/p99 ` +
            `${fmt(result.probe['503']?.p50Ms, 2)}/${fmt(result.probe['503']?.p99Ms, 2)} ms, Retry-After on ` +
            `${result.probe['503']?.retryAfter ?? 0}/${result.probe['503']?.count ?? 0}` +
            (s503 === 0 ? '; no 503 at all: the bounded queue is not in effect' : '')
          : `${result.status}: ${result.reason ?? ''}`,
    });
  }
  return ratios;
}
