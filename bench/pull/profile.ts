/**
 * A CPU profile of the main thread during one pull (V8's sampling profiler through node:inspector,
 * in this process), summarised by where the time went: idle (waiting on sockets and the disk),
 * sha256, HTTP parsing, file writes, streams, Berth's own code, GC. The raw profile is kept for
 * Chrome DevTools or speedscope.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

type CallFrame = Profiler.ProfileNode['callFrame'];

/** Main-thread time per category and the functions with the most self time. */
export interface ProfileSummary {
  readonly wallMs: number;
  readonly categories: Record<string, number>;
  readonly top: readonly { readonly fn: string; readonly ms: number }[];
  readonly file: string;
}

/** Profiles `work` and writes the raw profile to `file`. */
export async function profile(work: () => Promise<unknown>, file: string): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const started = performance.now();
    const failure = await work().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    const wallMs = performance.now() - started;
    const { profile: raw } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(raw));
    if (failure !== undefined) throw failure.error;
    return summarise(raw, wallMs, file);
  } finally {
    session.disconnect();
  }
}

function summarise(raw: Profiler.Profile, wallMs: number, file: string): ProfileSummary {
  const selfMs = new Map<number, number>();
  const deltas = raw.timeDeltas ?? [];
  (raw.samples ?? []).forEach((id, index) => {
    // timeDeltas[i] is the time before sample i; it is spent in the node sampled at i.
    selfMs.set(id, (selfMs.get(id) ?? 0) + (deltas[index] ?? 0) / 1000);
  });
  const parents = new Map<number, Profiler.ProfileNode>();
  for (const node of raw.nodes) for (const child of node.children ?? []) parents.set(child, node);
  const categories: Record<string, number> = {};
  const byFunction = new Map<string, number>();
  for (const node of raw.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    // Native bindings (fs writeBuffer, hash update) have no URL: their callers say what they are.
    const chain: CallFrame[] = [];
    for (let at: Profiler.ProfileNode | undefined = node; at && chain.length < 8; at = parents.get(at.id))
      chain.push(at.callFrame);
    const category = categorise(chain);
    categories[category] = (categories[category] ?? 0) + ms;
    const caller = chain.slice(1).find((frame) => frame.url !== '');
    const fn = node.callFrame.url === '' && caller ? `${name(chain[0])} ← ${name(caller)}` : name(chain[0]);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms) }));
  for (const key of Object.keys(categories)) categories[key] = Math.round(categories[key] ?? 0);
  return { wallMs: Math.round(wallMs), categories, top, file };
}

function name(frame: CallFrame | undefined): string {
  if (frame === undefined) return '?';
  const where = frame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/').replace(/^file:\/\//, '');
  return `${frame.functionName || '(anonymous)'}${where === '' ? '' : ` ${where}:${frame.lineNumber + 1}`}`;
}

/** Rules in order, tried on each frame from the leaf up; the first frame that matches decides. */
const RULES: readonly [RegExp, string][] = [
  [/node:inspector/, 'profiler (overhead)'],
  [/internal\/crypto/, 'sha256 (hash update)'],
  [/internal\/fs/, 'file writes'],
  [/_http_client|_http_common|_http_incoming/, 'http client (parsing)'],
  [/@aws-sdk|@smithy/, 'aws sdk'],
  [/internal\/streams/, 'streams'],
  [/node:net|stream_base_commons/, 'sockets'],
  [/\/src\/storage\//, 'berth storage'],
];

function categorise(chain: readonly CallFrame[]): string {
  const leaf = chain[0]?.functionName ?? '';
  if (leaf === '(idle)') return 'idle (waiting on I/O)';
  if (leaf === '(garbage collector)') return 'garbage collector';
  if (leaf === '(program)') return 'V8/native (program)';
  for (const frame of chain) {
    const rule = RULES.find(([pattern]) => pattern.test(frame.url));
    if (rule === undefined) continue;
    // The hasher reads back what was written: those file reads are the price of hashing in order.
    if (rule[1] === 'file writes' && chain.some((f) => f.url.includes('in-order-hash')))
      return 'sha256 read-back (file reads)';
    return rule[1];
  }
  return 'other';
}
