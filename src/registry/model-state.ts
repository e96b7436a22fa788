/** Lifecycle of one model version (Triton / TF Serving servable states). */
export type ModelState = 'LOADING' | 'WARMING' | 'READY' | 'UNLOADING' | 'FAILED';

/** Moves a state machine may make; anything else is a bug. */
const ALLOWED: Readonly<Record<ModelState, readonly ModelState[]>> = {
  LOADING: ['WARMING', 'FAILED', 'UNLOADING'],
  WARMING: ['READY', 'FAILED', 'UNLOADING'],
  READY: ['UNLOADING'],
  UNLOADING: [],
  FAILED: ['UNLOADING'],
};

export function canMove(from: ModelState, to: ModelState): boolean {
  return ALLOWED[from].includes(to);
}
