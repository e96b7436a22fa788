/**
 * Rename for S3, which has none: copy, then delete the source. What publish needs from it is that
 * the destination version folder appears whole, to one publisher only:
 *
 * 1. Claim: a conditional PutObject (`If-None-Match: *`) of the destination's folder marker
 *    (`<to>/`, the zero-byte key the S3 console uses for folders). Exactly one concurrent caller
 *    wins it; the others get 412 → STORE_ALREADY_EXISTS and try the next number, having written
 *    nothing. The marker stays, so the number stays taken.
 * 2. Check the claimed prefix is empty (a folder made by plain writes has no marker to collide with).
 * 3. Copy every object server-side (CopyObject), except a top-level MANIFEST.json.
 * 4. Write MANIFEST.json last, again conditionally. Readers only trust a version whose manifest
 *    exists, so they see nothing until every file is in place. (It goes through GetObject +
 *    PutObject because versitygw ignores If-None-Match on CopyObject.)
 * 5. Delete the source. On a failure in 2–4 the copies and the claim are removed again.
 *
 * A single file is renamed by streaming it into a conditional PutObject/multipart upload, since
 * CopyObject cannot be made exclusive on every server.
 */
import { CopyObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { BerthError } from '../../../core/errors.js';
import { MANIFEST_FILE } from '../../../repository/manifest.js';
import { storeUriOf } from '../../store-path.js';
import { wrapBody } from './s3-body.js';
import {
  deleteKeys,
  folderExists,
  hasObjectsUnder,
  headObject,
  listObjects,
  putEmptyObject,
  send,
} from './s3-objects.js';
import type { S3Context } from './s3-objects.js';
import { putNewObject } from './s3-upload.js';
import { objectKey } from './s3-uri.js';

/** How many CopyObject requests run at once. */
const COPY_CONCURRENCY = 8;

/** Moves `from` (file or folder) to `to`, which must not exist; `removeSource` deletes `from` last. */
export async function renameObjects(
  context: S3Context,
  from: string,
  to: string,
  removeSource: (path: string) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const source = objectKey(context.location, from);
  const target = objectKey(context.location, to);
  if (from === '' || to === '' || target === source || target.startsWith(`${source}/`)) {
    throw new BerthError(
      'STORE_ERROR',
      `${storeUriOf(context.location.uri, from)}: cannot rename to ${JSON.stringify(to)}`,
    );
  }
  const isFile = (await headObject(context, source, from, signal)) !== undefined;
  if (!isFile && !(await folderExists(context, `${source}/`, from, signal))) {
    throw new BerthError(
      'STORE_NOT_FOUND',
      `${storeUriOf(context.location.uri, from)}: no such file or folder`,
    );
  }
  if (
    (await headObject(context, target, to, signal)) !== undefined ||
    (await folderExists(context, `${target}/`, to, signal))
  ) {
    throw alreadyExists(context, to);
  }
  if (isFile) await renameFile(context, { source, target, from, to }, signal);
  else await renameFolder(context, { source, target, from, to }, signal);
  await removeSource(from);
}

interface Move {
  /** Object keys. */
  readonly source: string;
  readonly target: string;
  /** Store paths, for messages. */
  readonly from: string;
  readonly to: string;
}

async function renameFile(context: S3Context, move: Move, signal?: AbortSignal): Promise<void> {
  const body = await getBody(context, move.source, move.from, signal);
  await putNewObject(context, move.target, move.to, body, signal).catch((error: unknown) => {
    body.destroy();
    throw error;
  });
}

async function renameFolder(context: S3Context, move: Move, signal?: AbortSignal): Promise<void> {
  const claim = `${move.target}/`;
  await putEmptyObject(context, claim, move.to, signal);
  const written: string[] = [claim];
  try {
    if (await hasObjectsUnder(context, claim, move.to, signal)) throw alreadyExists(context, move.to);
    const manifest = `${move.source}/${MANIFEST_FILE}`;
    const keys: string[] = [];
    let hasManifest = false;
    for await (const { Key: key } of listObjects(context, `${move.source}/`, move.from, signal)) {
      if (key === manifest) hasManifest = true;
      else if (key !== undefined && key !== `${move.source}/`) keys.push(key);
    }
    await forEachLimit(keys, COPY_CONCURRENCY, async (key) => {
      const destination = move.target + key.slice(move.source.length);
      written.push(destination);
      await copyObject(context, key, destination, move.to, signal);
    });
    if (hasManifest) {
      const destination = `${move.target}/${MANIFEST_FILE}`;
      const bytes = await readBytes(await getBody(context, manifest, move.from, signal));
      written.unshift(destination); // taken back first, so no reader sees it without its files
      if (!(await publishManifest(context, destination, bytes, move.to, signal))) {
        written.shift(); // someone else's: leave it
        throw alreadyExists(context, move.to);
      }
    }
  } catch (error) {
    // Not with the caller's signal: a cancelled rename must still take its copies back.
    await takeBack(context, written, move.to);
    throw error;
  }
}

/** Deletes what a failed rename wrote: the manifest (if any, it is first) alone, then the rest. */
async function takeBack(context: S3Context, written: readonly string[], path: string): Promise<void> {
  const first = written[0];
  if (first?.endsWith(`/${MANIFEST_FILE}`)) await deleteKeys(context, [first], path).catch(() => undefined);
  await deleteKeys(context, [...written], path).catch(() => undefined);
}

async function copyObject(
  context: S3Context,
  key: string,
  destination: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const { bucket } = context.location;
  if (key.endsWith('/')) {
    // A nested folder marker: an empty object, written rather than copied (servers such as
    // versitygw keep these as directories, which CopyObject does not take as a source).
    const request = { Bucket: bucket, Key: destination, Body: new Uint8Array(0) };
    await send(context, path, signal, (client, options) =>
      client.send(new PutObjectCommand(request), options),
    );
    return;
  }
  // CopySource is `bucket/key`, URL-encoded (the SDK sends it as a header, as given).
  const copySource = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const request = { Bucket: bucket, Key: destination, CopySource: copySource };
  await send(context, path, signal, (client, options) =>
    client.send(new CopyObjectCommand(request), options),
  );
}

/**
 * Writes the manifest with If-None-Match; false when a different one is already there. A 412 with
 * identical bytes is our own write whose answer was lost and that the SDK retried: it is in place.
 */
async function publishManifest(
  context: S3Context,
  destination: string,
  bytes: Buffer,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await putNewObject(context, destination, path, bytes, signal);
    return true;
  } catch (error) {
    if (!(error instanceof BerthError && error.id === 'STORE_ALREADY_EXISTS')) throw error;
    return (await readBytes(await getBody(context, destination, path, signal))).equals(bytes);
  }
}

async function getBody(
  context: S3Context,
  key: string,
  path: string,
  signal?: AbortSignal,
): Promise<Readable> {
  const output = await send(context, path, signal, (client, options) =>
    client.send(new GetObjectCommand({ Bucket: context.location.bucket, Key: key }), options),
  );
  return wrapBody(
    output.Body as Readable,
    { where: storeUriOf(context.location.uri, path), bucket: context.location.bucket },
    signal,
  );
}

async function readBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function alreadyExists(context: S3Context, path: string): BerthError {
  return new BerthError('STORE_ALREADY_EXISTS', `${storeUriOf(context.location.uri, path)}: already exists`);
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. After a failure no new call starts, and
 * it waits for those in flight before throwing, so clean-up never races a copy still landing.
 */
async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      await fn(item).catch((error: unknown) => {
        failure ??= { error };
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
