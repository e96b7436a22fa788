/** Reads the few numbers the bench wants from a Prometheus text exposition. */

/** Sum of `<name>_sum` and `<name>_count` over all label sets of every histogram whose name matches. */
function histogramTotals(text: string, name: RegExp): { sum: number; count: number } | undefined {
  let sum = 0;
  let count = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)_(sum|count)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || !name.test(match[1] ?? '')) continue;
    found = true;
    if (match[2] === 'sum') sum += Number(match[3]);
    else count += Number(match[3]);
  }
  return found ? { sum, count } : undefined;
}

/** Histograms of formed batch sizes, whatever the batcher names them (e.g. berth_batch_size). */
const BATCH_SIZE_METRIC = /batch_size/;

/** Mean batch size between two scrapes, or null when the server exports no such histogram. */
export function meanBatchBetween(before: string | undefined, after: string | undefined): number | null {
  if (before === undefined || after === undefined) return null;
  const a = histogramTotals(before, BATCH_SIZE_METRIC);
  const b = histogramTotals(after, BATCH_SIZE_METRIC);
  if (a === undefined || b === undefined || b.count - a.count <= 0) return null;
  return (b.sum - a.sum) / (b.count - a.count);
}
