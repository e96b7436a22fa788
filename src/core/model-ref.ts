import { BerthError } from './errors.js';

/** Which model to serve and from where; `version` pins one, else the latest published. */
export interface ModelSource {
  readonly name: string;
  /** Store root URI holding `<name>/<version>/`. */
  readonly storeUri: string;
  readonly version?: number;
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
  if (hasVersion) {
    version = Number(ref.slice(at + 1));
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new BerthError(
        'BAD_SERVER_CONFIG',
        `--model ${ref}: version must be a positive integer after "@"`,
      );
    }
  }
  const slash = base.replace(/\/+$/, '').lastIndexOf('/');
  if (slash >= 0) {
    const trimmed = base.replace(/\/+$/, '');
    return {
      name: trimmed.slice(slash + 1),
      storeUri: trimmed.slice(0, slash),
      ...(version ? { version } : {}),
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
  return { name: base, storeUri: defaultStore, ...(version ? { version } : {}) };
}
