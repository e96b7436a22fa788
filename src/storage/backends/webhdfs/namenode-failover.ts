/**
 * HA NameNodes: one is active, the others are standby and answer StandbyException. Each call
 * starts at the NameNode that answered last (so after one failover every call goes straight to
 * the new active one) and moves on when a NameNode is standby or cannot be connected to, as
 * Hadoop's ConfiguredFailoverProxyProvider does. One round only: waiting and trying again is the
 * retry layer's job (retrying-store.ts), which sees STORE_UNREACHABLE when the round fails.
 */
import { BerthError } from '../../../core/errors.js';
import { NotSentError, StandbyError } from './webhdfs-errors.js';

/** Whether a failed attempt may be repeated on the next NameNode. */
export type FailoverRule = (error: unknown) => boolean;

/**
 * Standby, or never sent: either way the operation did not run, so any operation, a rename
 * included, can go to the next NameNode.
 */
export const failoverAlways: FailoverRule = (error) =>
  error instanceof StandbyError || error instanceof NotSentError;

/** For reads (GETFILESTATUS, LISTSTATUS, OPEN): any unreachable NameNode, even mid-answer. */
export const failoverIdempotent: FailoverRule = (error) =>
  failoverAlways(error) || (error instanceof BerthError && error.id === 'STORE_UNREACHABLE');

/** The NameNodes of one store and which of them answered last. */
export class NameNodeFailover {
  #active = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new BerthError('INTERNAL', 'NameNodeFailover needs at least one address');
  }

  /** The order of the next round: the last one that answered, then the others as configured. */
  order(): string[] {
    return this.urls.map((_, step) => this.urls[(this.#active + step) % this.urls.length] as string);
  }

  /**
   * Runs `attempt` against each NameNode in order until one succeeds or fails with an error
   * `rule` does not fail over on (thrown as is). When every NameNode failed over, throws
   * STORE_UNREACHABLE naming `where` and what each one answered (the error itself for one).
   */
  async run<T>(where: string, rule: FailoverRule, attempt: (baseUrl: string) => Promise<T>): Promise<T> {
    const failures: Array<{ url: string; error: unknown }> = [];
    for (const url of this.order()) {
      try {
        const result = await attempt(url);
        this.#active = this.urls.indexOf(url);
        return result;
      } catch (error) {
        if (!rule(error)) throw error;
        failures.push({ url, error });
      }
    }
    if (failures.length === 1) throw failures[0]?.error;
    const each = failures.map(({ url, error }) => `${url}: ${reason(error, where)}`).join('; ');
    throw new BerthError(
      'STORE_UNREACHABLE',
      `${where}: no active NameNode among ${failures.length} (${each})`,
      {
        cause: failures.at(-1)?.error,
      },
    );
  }
}

/** What went wrong, without repeating the URI every message starts with. */
function reason(error: unknown, where: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${where}: `) ? message.slice(where.length + 2) : message;
}
