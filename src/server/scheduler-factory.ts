/**
 * Picks each loaded version's scheduler from its effective batching settings: the dynamic batcher
 * when the signature can batch and batching is on, else the direct scheduler. Logs the choice and
 * why, since "why is my model not batching" is the first question after a deploy.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { batcherMetrics, type BerthMetrics } from '../observability/metrics.js';
import { countExecutions } from '../dataplane/counted-model.js';
import type { ModelStatistics } from '../dataplane/statistics.js';
import type { SchedulerFactory } from '../registry/model-registry.js';
import { batchingSettings } from '../scheduling/batching-settings.js';
import { DirectScheduler } from '../scheduling/direct-scheduler.js';
import { DynamicBatcher } from '../scheduling/dynamic-batcher.js';

export interface SchedulerFactoryDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: BerthMetrics;
  /** Receives every model run (statistics extension); the data plane reads the same instance. */
  readonly statistics: ModelStatistics;
}

export function createSchedulerFactory(deps: SchedulerFactoryDeps): SchedulerFactory {
  return (loaded, modelConfig, id) => {
    const batching = batchingSettings(loaded.metadata.inputs, modelConfig);
    // A scheduler is built once per version put into service: its statistics start from zero here.
    deps.statistics.startVersion(id.name, id.version);
    const model = countExecutions(loaded, deps.clock, (rows, ms) =>
      deps.statistics.recordExecution(id.name, id.version, rows, ms),
    );
    const { refused, ...logged } = batching;
    deps.logger[refused ? 'warn' : 'info'](
      { model: id.name, version: id.version, batching: logged },
      'batching',
    );
    const label = `model "${id.name}" version ${id.version}`;
    const observer = batcherMetrics(deps.metrics, { model: id.name, version: id.version });
    if (!batching.enabled) return new DirectScheduler(model, deps.clock, { ...batching, label }, observer);
    return new DynamicBatcher(model, { ...batching, label }, deps.clock, observer);
  };
}
