/** How the set of served models may change after start-up (Triton's --model-control-mode). */
export type ModelControlMode = 'none' | 'poll' | 'explicit';
