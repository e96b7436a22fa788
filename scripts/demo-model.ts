/** The demo model's recipe, shared by the store builder and the tests that check its numbers. */
export const DEMO_MODEL = {
  name: 'recommender',
  /** 32 user×item features → 16 hidden (ReLU) → 1 score (sigmoid). */
  layers: [32, 16, 1] as const,
  seed: 20261128,
  createdAt: '2026-11-28T00:00:00.000Z',
} as const;

/** A feature row the README and the tests use: values in [0, 1), deterministic. */
export function demoFeatures(rows: number): number[][] {
  return Array.from({ length: rows }, (_, row) =>
    Array.from({ length: DEMO_MODEL.layers[0] }, (_, column) => ((row * 37 + column * 11) % 100) / 100),
  );
}
