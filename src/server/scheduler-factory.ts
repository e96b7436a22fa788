/**
 * Picks each loaded version's scheduler from its effective batching settings: the dynamic batcher
 * when the signature can batch and batching is on, else the direct scheduler. Logs the choice and
 * why, since "why is my model not batching" is the first question after a deploy.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../observability/logger.js';
import { batcherMetrics, type BerthMetrics } from '../observability/metrics.js';
import type { SchedulerFactory } from '../registry/model-registry.js';
import { batchingSettings } from '../scheduling/batching-settings.js';
import { DirectScheduler } from '../scheduling/direct-scheduler.js';
import { DynamicBatcher } from '../scheduling/dynamic-batcher.js';

export interface SchedulerFactoryDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: BerthMetrics;
}

export function createSchedulerFactory(deps: SchedulerFactoryDeps): SchedulerFactory {
  return (model, modelConfig, id) => {
    const batching = batchingSettings(model.metadata.inputs, modelConfig);
    const { refused, ...logged } = batching;
    deps.logger[refused ? 'warn' : 'info'](
      { model: id.name, version: id.version, batching: logged },
      'batching',
    );
    const label = `model "${id.name}" version ${id.version}`;
    if (!batching.enabled) return new DirectScheduler(model, deps.clock, { ...batching, label });
    return new DynamicBatcher(
      model,
      { ...batching, label },
      deps.clock,
      batcherMetrics(deps.metrics, { model: id.name, version: id.version }),
    );
  };
}
