/**
 * The image a workload runs when the spec names none: the serving image (a CUDA variant when GPUs
 * are asked for) or the training base image, tagged with this Berth's version. The Dockerfiles
 * under deploy/docker/ build them.
 */
import { BERTH_VERSION } from '../cli/version.js';
import type { DeploySpec } from './deploy-spec.js';

/** The image of the spec's workload: `image` when given, else berth / berth-cuda / berth-train. */
export function workloadImage(spec: DeploySpec, version: string = BERTH_VERSION): string {
  if (spec.image !== undefined) return spec.image;
  if (spec.train) return `berth-train:${version}`;
  return spec.resources.gpu > 0 ? `berth:${version}-cuda` : `berth:${version}`;
}
