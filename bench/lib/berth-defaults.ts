/** Berth's own defaults, read from its config schema so the limits and peers follow them when they change. */
import { modelConfigSchema } from '../../src/core/model-config.js';

export interface ThreadSettings {
  /** 0: ONNX Runtime's default. */
  readonly intraOp: number;
  readonly interOp: number;
  readonly spinning: boolean;
}

/** The ONNX Runtime thread settings a model gets when its berth.yaml says nothing about threads. */
export function berthThreadDefaults(): ThreadSettings {
  const { threads } = modelConfigSchema.parse({});
  return { intraOp: threads.intra_op, interOp: threads.inter_op, spinning: threads.spinning };
}
