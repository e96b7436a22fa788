/**
 * The few S3 object operations the store builds on: send with cancellation and error mapping,
 * paginated key listing, presence checks and batch deletes. Shared by the store and its rename.
 */
import {
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { HeadObjectCommandOutput, S3Client, _Object } from '@aws-sdk/client-s3';
import { BerthError } from '../../../core/errors.js';
import { storeUriOf } from '../../store-path.js';
import { errorName, httpStatus, toStoreError } from './s3-errors.js';
import type { S3Location } from './s3-uri.js';

/** One store's client and place in S3. */
export interface S3Context {
  readonly client: S3Client;
  readonly location: S3Location;
}

/** DeleteObjects takes at most this many keys per request (S3 API limit). */
const DELETE_BATCH = 1000;

/** The per-request options S3Client.send takes: here, only the caller's signal. */
export interface SendOptions {
  abortSignal?: AbortSignal;
}

/**
 * Runs one SDK call with the caller's signal, mapping any failure onto a BerthError naming `path`
 * (a store path). `call` sends exactly one command, so the SDK infers its typed output.
 */
export async function send<Output>(
  context: S3Context,
  path: string,
  signal: AbortSignal | undefined,
  call: (client: S3Client, options: SendOptions) => Promise<Output>,
): Promise<Output> {
  const where = storeUriOf(context.location.uri, path);
  if (signal?.aborted) throw new BerthError('CANCELLED', `${where}: cancelled`, { cause: signal.reason });
  try {
    return await call(context.client, signal ? { abortSignal: signal } : {});
  } catch (error) {
    if (signal?.aborted) throw new BerthError('CANCELLED', `${where}: cancelled`, { cause: error });
    throw toStoreError(error, { where, bucket: context.location.bucket });
  }
}

/** HeadObject of one key; undefined when there is no such object (the bucket must exist). */
export async function headObject(
  context: S3Context,
  key: string,
  path: string,
  signal?: AbortSignal,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await send(context, path, signal, (client, options) =>
      client.send(new HeadObjectCommand({ Bucket: context.location.bucket, Key: key }), options),
    );
  } catch (error) {
    if (error instanceof BerthError && error.id === 'STORE_NOT_FOUND' && isMissingKey(error.cause))
      return undefined;
    throw error;
  }
}

/** Every object whose key starts with `prefix`, page by page (ListObjectsV2, 1000 keys a page). */
export async function* listObjects(
  context: S3Context,
  prefix: string,
  path: string,
  signal?: AbortSignal,
): AsyncGenerator<_Object> {
  let token: string | undefined;
  do {
    const request = { Bucket: context.location.bucket, Prefix: prefix, ContinuationToken: token };
    const page = await send(context, path, signal, (client, options) =>
      client.send(new ListObjectsV2Command(request), options),
    );
    yield* page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/**
 * True when some object lives under the folder prefix, besides the folder's own marker object
 * (`<prefix>` itself, a zero-byte key ending in '/', as the S3 console makes for folders).
 */
export async function hasObjectsUnder(
  context: S3Context,
  prefix: string,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const page = await firstKeys(context, prefix, 2, path, signal);
  return (page.Contents ?? []).some((object) => object.Key !== prefix);
}

/** True when the folder exists: a marker object or anything under the prefix. */
export async function folderExists(
  context: S3Context,
  prefix: string,
  path: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const page = await firstKeys(context, prefix, 1, path, signal);
  return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
}

/**
 * The folder's marker object (`<prefix>` itself, which sorts before every key under it), null for a
 * folder that exists without one, undefined when nothing lives under the prefix. One request.
 */
export async function folderMarker(
  context: S3Context,
  prefix: string,
  path: string,
  signal?: AbortSignal,
): Promise<_Object | null | undefined> {
  const first = (await firstKeys(context, prefix, 1, path, signal)).Contents?.[0];
  if (first === undefined) return undefined;
  return first.Key === prefix ? first : null;
}

/** The first `maxKeys` objects under a prefix: enough to tell whether anything lives there. */
function firstKeys(context: S3Context, prefix: string, maxKeys: number, path: string, signal?: AbortSignal) {
  return send(context, path, signal, (client, options) =>
    client.send(
      new ListObjectsV2Command({ Bucket: context.location.bucket, Prefix: prefix, MaxKeys: maxKeys }),
      options,
    ),
  );
}

/** Puts the zero-byte marker that keeps an empty folder visible; never replaces an object. */
export async function putFolderMarker(
  context: S3Context,
  prefix: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  await putEmptyObject(context, prefix, path, signal).catch((error: unknown) => {
    if (!(error instanceof BerthError && error.id === 'STORE_ALREADY_EXISTS')) throw error;
  });
}

/**
 * Puts a zero-byte object only if the key is free (`If-None-Match: *`): a folder marker, or the
 * claim on a folder name. STORE_ALREADY_EXISTS when the key is taken.
 */
export async function putEmptyObject(
  context: S3Context,
  key: string,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const request = { Bucket: context.location.bucket, Key: key, Body: new Uint8Array(0), IfNoneMatch: '*' };
  await send(context, path, signal, (client, options) => client.send(new PutObjectCommand(request), options));
}

/**
 * Deletes these keys (missing ones are fine, as in S3 itself), deepest first: a server that keeps
 * folders as directories (versitygw's posix backend) can only remove a folder marker's directory
 * once its contents are gone. Throws the first per-key failure the server reports.
 */
export async function deleteKeys(
  context: S3Context,
  keys: readonly string[],
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const ordered = [...new Set(keys)].sort().reverse(); // a child key sorts after its folder's key
  for (let start = 0; start < ordered.length; start += DELETE_BATCH) {
    const batch = ordered.slice(start, start + DELETE_BATCH);
    const request = {
      Bucket: context.location.bucket,
      Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
    };
    const result = await send(context, path, signal, (client, options) =>
      client.send(new DeleteObjectsCommand(request), options),
    );
    const failed = result.Errors?.[0];
    if (failed !== undefined) {
      const cause = Object.assign(new Error(failed.Message ?? failed.Code ?? 'delete failed'), {
        name: failed.Code ?? 'Error',
      });
      throw toStoreError(cause, {
        where: `s3://${context.location.bucket}/${failed.Key ?? ''}`,
        bucket: context.location.bucket,
      });
    }
  }
}

/** A 404 about the key, not about the bucket (HEAD answers carry no error code, only the status). */
function isMissingKey(cause: unknown): boolean {
  const name = errorName(cause);
  return (
    name !== 'NoSuchBucket' && (name === 'NotFound' || name === 'NoSuchKey' || httpStatus(cause) === 404)
  );
}
