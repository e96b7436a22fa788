/** Runs the Scheduler contract against both schedulers, with the settings berth.yaml gives them. */
import { DirectScheduler } from '../../src/scheduling/direct-scheduler.js';
import { DynamicBatcher } from '../../src/scheduling/dynamic-batcher.js';
import { schedulerContract } from './scheduler.contract.js';

schedulerContract('DirectScheduler', (model, settings, clock) => new DirectScheduler(model, clock, settings));
schedulerContract(
  'DynamicBatcher',
  (model, settings, clock) =>
    new DynamicBatcher(model, { ...settings, maxQueueDelayUs: 0, preferredBatchSizes: [] }, clock),
);
