/**
 * Which published versions of a model to serve (TF Serving's ServableVersionPolicy): the newest
 * one (`latest`, the default), the newest N (`latest:N`), every one (`all`), or a fixed list
 * (`specific:1,3`, or a pin `name@3`). Pure: the registry feeds it what the store lists.
 */
import { BerthError } from './errors.js';

export type VersionPolicy =
  | { readonly kind: 'latest'; readonly count: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'specific'; readonly versions: readonly number[] };

export const LATEST: VersionPolicy = Object.freeze({ kind: 'latest', count: 1 });

/** The text forms users write, for messages and docs. */
export const VERSION_POLICY_FORMS = '"latest", "latest:N", "all" or "specific:V[,V...]"';

/** Parses `latest`, `latest:N`, `all`, `specific:1,3`; `where` names the setting in errors. */
export function parseVersionPolicy(text: string, where: string): VersionPolicy {
  const trimmed = text.trim();
  const bad = (why: string): never => {
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `${where}: ${JSON.stringify(text)} ${why}; expected ${VERSION_POLICY_FORMS}`,
    );
  };
  if (trimmed === 'latest') return LATEST;
  if (trimmed === 'all') return { kind: 'all' };
  const [kind, list, ...rest] = trimmed.split(':');
  if (rest.length > 0 || list === undefined) return bad('is not a version policy');
  const numbers = list.split(',').map((part) => Number(part.trim()));
  if (numbers.length === 0 || numbers.some((n) => !Number.isSafeInteger(n) || n < 1))
    return bad('needs positive integers after ":"');
  if (kind === 'latest') {
    if (numbers.length !== 1) return bad('takes one count');
    return { kind: 'latest', count: numbers[0]! };
  }
  if (kind === 'specific') return { kind: 'specific', versions: [...new Set(numbers)].sort((a, b) => a - b) };
  return bad('is not a version policy');
}

/** The policy in the form parseVersionPolicy reads. */
export function formatVersionPolicy(policy: VersionPolicy): string {
  if (policy.kind === 'all') return 'all';
  if (policy.kind === 'latest') return policy.count === 1 ? 'latest' : `latest:${policy.count}`;
  return `specific:${policy.versions.join(',')}`;
}

/** The versions to serve out of the published ones, ascending. */
export function selectVersions(policy: VersionPolicy, published: readonly number[]): number[] {
  const sorted = [...new Set(published)].sort((a, b) => a - b);
  if (policy.kind === 'all') return sorted;
  if (policy.kind === 'latest') return sorted.slice(Math.max(0, sorted.length - policy.count));
  return sorted.filter((version) => policy.versions.includes(version));
}
