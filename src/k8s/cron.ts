/**
 * A Job spec as a Job, or wrapped in a CronJob when the spec has a schedule. Runs never overlap
 * (Forbid): a batch run locks its output and a training run publishes a version, so a second one
 * started while the first still runs would only wait or fail.
 */
import type { KubeObject } from './kube-object.js';

/** What a Job or CronJob needs beyond its pod template. */
export interface JobShape {
  readonly metadata: KubeObject['metadata'];
  readonly jobSpec: Record<string, unknown>;
  readonly ttlSecondsAfterFinished: number;
  readonly schedule?: string | undefined;
  readonly timeZone?: string | undefined;
}

/** A batch/v1 Job, or a batch/v1 CronJob whose jobTemplate carries the same spec. */
export function jobOrCronJob(shape: JobShape): KubeObject {
  if (shape.schedule === undefined) {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: shape.metadata,
      spec: { ...shape.jobSpec, ttlSecondsAfterFinished: shape.ttlSecondsAfterFinished },
    };
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: shape.metadata,
    spec: {
      schedule: shape.schedule,
      ...(shape.timeZone !== undefined ? { timeZone: shape.timeZone } : {}),
      concurrencyPolicy: 'Forbid',
      // A run missed by more than this (controller down) is skipped, not started late.
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: shape.metadata.labels ?? {} }, spec: shape.jobSpec },
    },
  };
}
