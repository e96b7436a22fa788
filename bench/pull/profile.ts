/**
 * A CPU profile of the main thread during one pull (V8's sampling profiler through node:inspector,
 * in this process), summarised by where the time went: idle (waiting on sockets and the disk),
 * sha256, HTTP parsing, file writes, streams, Berth's own code, GC. The raw profile is kept for
 * Chrome DevTools or speedscope.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

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
  const categories: Record<string, number> = {};
  const byFunction = new Map<string, number>();
  for (const node of raw.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    if (ms === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = categorise(functionName, url);
    categories[category] = (categories[category] ?? 0) + ms;
    const where =
      url === '' ? '' : ` ${url.replace(/^.*\/(src|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const fn = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, ms]) => ({ fn, ms: Math.round(ms) }));
  for (const key of Object.keys(categories)) categories[key] = Math.round(categories[key] ?? 0);
  return { wallMs: Math.round(wallMs), categories, top, file };
}

function categorise(functionName: string, url: string): string {
  if (functionName === '(idle)') return 'idle (waiting on I/O)';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return 'V8/native (program)';
  if (url.includes('internal/crypto') || /hash/i.test(functionName) || url.includes('in-order-hash'))
    return 'sha256';
  if (url.includes('_http_') || url.includes('internal/http') || /parserOn/.test(functionName))
    return 'http client';
  if (url.includes('internal/fs') || url.includes('fs/promises')) return 'file writes/reads';
  if (url.includes('@aws-sdk') || url.includes('@smithy')) return 'aws sdk';
  if (url.includes('internal/streams') || url.includes('node:stream')) return 'streams';
  if (url.includes('/src/storage/')) return 'berth storage';
  if (url.includes('net.js') || url.includes('node:net') || url.includes('stream_base')) return 'sockets';
  return url.startsWith('node:') ? 'node (other)' : 'other';
}
