/**
 * Kubernetes resource quantities (`2Gi`, `500m`, `1.5G`): the subset Berth's specs accept, parsed to
 * a number so probe timings and cache sizes can be derived from them, and formatted back.
 */
const SUFFIXES: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

/** The forms accepted, for messages and docs. */
export const QUANTITY_FORMS = 'a Kubernetes quantity such as "2", "500m", "4Gi" or "1.5G"';

/** The quantity's value in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * SUFFIXES[match[2] ?? '']!;
}

/** Bytes as the largest binary unit that holds them whole (`2Gi`, `1536Mi`), rounding up to Mi. */
export function formatBytes(bytes: number): string {
  const mi = Math.ceil(bytes / 2 ** 20);
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
