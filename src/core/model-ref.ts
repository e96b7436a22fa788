import { BerthError } from './errors.js';
import { parseVersionPolicy, type VersionPolicy } from './version-policy.js';

/**
 * Which model to serve and from where; `version` pins one, `policy` picks several
 * (`name@latest:2`), else the server's version policy applies (the latest published by default).
 */
export interface ModelSource {
  readonly name: string;
  /** Store root URI holding `<name>/<version>/`. */
  readonly storeUri: string;
  readonly version?: number;
  readonly policy?: VersionPolicy;
}

/**
 * Parses a --model value into a source: `name[@version]` under the default store, or a full URI
 * whose last path segment is the model (`hdfs://nn:8020/models/recommender@3`).
 */
export function parseModelRef(ref: string, defaultStore: string | undefined): ModelSource {
  const at = ref.lastIndexOf('@');
  const hasVersion = at > ref.lastIndexOf('/') && at > 0;
  const base = hasVersion ? ref.slice(0, at) : ref;
  let version: number | undefined;
  let policy: VersionPolicy | undefined;
  if (hasVersion) {
    const after = ref.slice(at + 1);
    if (/^(latest|all|latest:|specific:)/.test(after)) {
      policy = parseVersionPolicy(after, `--model ${ref}`);
    } else {
      version = Number(after);
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new BerthError(
          'BAD_SERVER_CONFIG',
          `--model ${ref}: after "@" give a positive version number or a version policy (latest, latest:N, all, specific:V,...)`,
        );
      }
    }
  }
  const pinned = { ...(version ? { version } : {}), ...(policy ? { policy } : {}) };
  const slash = base.replace(/\/+$/, '').lastIndexOf('/');
  if (slash >= 0) {
    const trimmed = base.replace(/\/+$/, '');
    return {
      name: trimmed.slice(slash + 1),
      storeUri: trimmed.slice(0, slash),
      ...pinned,
    };
  }
  if (!defaultStore) {
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `--model ${ref}: no --store given (or BERTH_STORE), and the model is not a full URI`,
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(base)) {
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `--model ${ref}: a model name may hold letters, digits, ".", "_" and "-"`,
    );
  }
  return { name: base, storeUri: defaultStore, ...pinned };
}
