/**
 * Triton's extension RPCs ↔ core types: ModelStatistics, ModelConfig, RepositoryIndex,
 * RepositoryModelLoad/Unload. The gRPC messages carry the same field names as the REST JSON, so the
 * v2 encoders are reused; only the Berth part of the config moves into a string parameter. Pure.
 */
import { BerthError } from '../../core/errors.js';
import type { EffectiveModelConfig } from '../../core/model-configuration.js';
import type { ModelVersionStatistics } from '../../core/statistics.js';
import { encodeModelConfig } from '../v2/config-json.js';
import { encodeModelStatistics, type ModelStatisticsJson } from '../v2/statistics-json.js';
import type {
  ModelConfigResponseMessage,
  ModelStatisticsRequestMessage,
  RepositoryIndexRequestMessage,
  RepositoryIndexResponseMessage,
  RepositoryModelRequestMessage,
} from './extension-messages.js';

/** The key of ModelConfig.parameters whose string_value is the Berth extension's JSON. */
export const BERTH_CONFIG_PARAMETER = 'berth';

/** Empty name: every model; empty version: every READY version. */
export function decodeStatisticsRequest(message: ModelStatisticsRequestMessage): {
  name: string | undefined;
  version: string | undefined;
} {
  const name = message.name || undefined;
  const version = message.version || undefined;
  if (name === undefined && version !== undefined)
    throw new BerthError('INVALID_REQUEST', `version: "${version}" needs a model name; got an empty name`);
  return { name, version };
}

export function encodeStatisticsResponse(stats: readonly ModelVersionStatistics[]): {
  model_stats: ModelStatisticsJson[];
} {
  return encodeModelStatistics(stats);
}

export function encodeModelConfigResponse(effective: EffectiveModelConfig): ModelConfigResponseMessage {
  const { berth, ...triton } = encodeModelConfig(effective);
  return {
    config: {
      ...triton,
      parameters: { [BERTH_CONFIG_PARAMETER]: { string_value: JSON.stringify(berth) } },
    },
  };
}

/** proto3 cannot tell `ready: false` from absent, so false lists every version (as Triton does). */
export function decodeRepositoryIndexRequest(message: RepositoryIndexRequestMessage): {
  readyOnly: boolean;
} {
  singleRepository(message.repository_name);
  return { readyOnly: message.ready === true };
}

export function encodeRepositoryIndex(
  entries: ReadonlyArray<{ name: string; version: string; state: string; reason: string }>,
): RepositoryIndexResponseMessage {
  return { models: entries.map((entry) => ({ ...entry })) };
}

/** The model a load or unload names; parameters are accepted and not used yet. */
export function decodeRepositoryModelRequest(message: RepositoryModelRequestMessage): { name: string } {
  singleRepository(message.repository_name);
  const name = message.model_name ?? '';
  if (name.length === 0)
    throw new BerthError('INVALID_REQUEST', 'model_name: expected a non-empty model name, got ""');
  return { name };
}

/** Berth serves one repository; naming one is refused as Triton refuses it. */
function singleRepository(name: string | undefined): void {
  if (name !== undefined && name.length > 0)
    throw new BerthError(
      'INVALID_REQUEST',
      `repository_name: expected empty (this server has one repository), got "${name}"`,
    );
}
