/** The device models run on (`--device`): parsed once, so the runtime only sees a checked value. */
import { BerthError } from './errors.js';

/** The `--device` forms: `cpu`, `cuda` (GPU 0) and `cuda:N`. */
export const DEVICE_PATTERN = /^(cpu|cuda(:\d+)?)$/;

/** A parsed `--device`. */
export type Device = { readonly kind: 'cpu' } | { readonly kind: 'cuda'; readonly deviceId: number };

/** `cpu`, `cuda` or `cuda:N` as a Device; BAD_SERVER_CONFIG naming `source` otherwise. */
export function parseDevice(text: string, source = '--device'): Device {
  if (!DEVICE_PATTERN.test(text)) {
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      `${source} ${JSON.stringify(text)}: expected cpu, cuda or cuda:N`,
    );
  }
  if (text === 'cpu') return { kind: 'cpu' };
  const id = text.split(':')[1];
  return { kind: 'cuda', deviceId: id === undefined ? 0 : Number(id) };
}
