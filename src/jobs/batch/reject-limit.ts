/** Decides when rejected rows fail a job (`--max-rejects N` or `P%`) and says why in one line. */
import { BerthError } from '../../core/errors.js';
import type { RejectLimit } from './job-options.js';

/** Throws TOO_MANY_REJECTS past the limit; `final` is false while rows are still coming. */
export function checkRejects(
  limit: RejectLimit | undefined,
  counts: { readonly rowsIn: number; readonly rowsRejected: number },
  context: { readonly part: string; readonly firstReason?: string; readonly final: boolean },
): void {
  if (limit === undefined) return;
  const { rowsIn, rowsRejected } = counts;
  const over =
    limit.kind === 'count'
      ? rowsRejected > limit.max
      : // A percentage is judged on whole parts only, so the first rows of a job do not decide it.
        context.final && rowsIn > 0 && (100 * rowsRejected) / rowsIn > limit.max;
  if (!over) return;
  const percent = rowsIn > 0 ? ((100 * rowsRejected) / rowsIn).toFixed(2) : '0';
  const allowed = limit.kind === 'count' ? `${limit.max} rows` : `${limit.max}%`;
  throw new BerthError(
    'TOO_MANY_REJECTS',
    `${rowsRejected} of ${rowsIn} rows rejected (${percent}%) by part ${context.part}, more than --max-rejects ${allowed}` +
      `${context.firstReason ? `; first reason: ${context.firstReason}` : ''}; see _rejects/ in the output`,
  );
}
