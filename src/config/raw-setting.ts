/**
 * How a raw string from a BERTH_* variable or a flag becomes a setting's value, by the kind the
 * settings table gives. Type errors are reported here, naming the variable or flag, the value and
 * what was expected; ranges and the like are the schema's job.
 */
import { BerthError } from '../core/errors.js';
import { enumValues, SERVER_SETTINGS, type SettingKey } from './server-settings.js';

/** `raw` as the value of `key`; `source` names where it came from (`BERTH_PORT`, `--port`). */
export function parseRawSetting(key: SettingKey, raw: string, source: string): unknown {
  switch (SERVER_SETTINGS[key].raw) {
    case 'string':
      return raw;
    case 'number': {
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      return Number.isNaN(value) ? bad(source, raw, 'a number') : value;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return bad(source, raw, 'true, false, 1 or 0');
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    case 'auto-or-number':
      if (raw === 'auto') return raw;
      return /^\d+$/.test(raw.trim()) ? Number(raw) : bad(source, raw, 'auto or a whole number');
    case 'enum': {
      const values = enumValues(key) ?? [];
      return values.includes(raw) ? raw : bad(source, raw, `one of ${values.join(', ')}`);
    }
  }
}

function bad(source: string, raw: string, expected: string): never {
  // `BERTH_PORT="x"` as in a shell; `--port "x"` as on a command line.
  const given = `${source}${source.startsWith('--') ? ' ' : '='}${JSON.stringify(raw)}`;
  throw new BerthError('BAD_SERVER_CONFIG', `${given}: expected ${expected}`);
}
