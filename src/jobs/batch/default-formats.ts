/**
 * The record formats `berth batch` opens parts with. The Parquet, CSV and JSON Lines readers and
 * writers (formats/) register here; until they do, every format says plainly that it is missing.
 */
import { BerthError } from '../../core/errors.js';
import type { RecordFormats } from './record-formats.js';

const missing = (format: string): never => {
  throw new BerthError('BATCH_JOB_INVALID', `no ${format} reader or writer is built into this berth yet`);
};

/** The built-in formats. */
export const defaultRecordFormats: RecordFormats = {
  openSource: (_store, _path, format) => missing(format),
  openSink: (_store, _path, format) => missing(format),
};
