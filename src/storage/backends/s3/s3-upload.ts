/**
 * Writes one object without ever replacing another: every write carries `If-None-Match: *`
 * (S3 conditional writes, honoured by AWS since 2024 and by versitygw's posix backend), on the
 * PutObject for small bodies or on the CompleteMultipartUpload of a multipart upload. Both are
 * all-or-nothing: the key shows either no object or the whole one.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { BerthError } from '../../../core/errors.js';
import { storeUriOf } from '../../store-path.js';
import { toStoreError } from './s3-errors.js';
import { send } from './s3-objects.js';
import type { S3Context } from './s3-objects.js';

/**
 * Part size of multipart uploads. S3 allows at most 10,000 parts, so this caps a streamed upload
 * of unknown length at 80 GB; with QUEUE_SIZE parts in flight it holds 32 MiB in memory.
 */
export const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

/** Creates `key` from `body`, STORE_ALREADY_EXISTS when the key is taken. */
export async function putNewObject(
  context: S3Context,
  key: string,
  path: string,
  body: Readable | Uint8Array,
  signal?: AbortSignal,
): Promise<void> {
  const params = { Bucket: context.location.bucket, Key: key, IfNoneMatch: '*' };
  if (body instanceof Uint8Array && body.byteLength <= PART_SIZE) {
    const request = { ...params, Body: body, ContentLength: body.byteLength };
    await send(context, path, signal, (client, options) =>
      client.send(new PutObjectCommand(request), options),
    );
    return;
  }
  await multipart(context, { ...params, Body: body }, path, signal);
}

/** lib-storage's Upload: one PutObject when the body fits one part, else a multipart upload. */
async function multipart(
  context: S3Context,
  params: { Bucket: string; Key: string; IfNoneMatch: string; Body: Readable | Uint8Array },
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  const where = storeUriOf(context.location.uri, path);
  if (signal?.aborted) throw new BerthError('CANCELLED', `${where}: cancelled`, { cause: signal.reason });
  const abortController = new AbortController();
  const onAbort = (): void => abortController.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  // Upload aborts the multipart upload on failure (leavePartsOnError false), so no parts linger.
  const upload = new Upload({
    client: context.client,
    params,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
    abortController,
  });
  try {
    await upload.done();
  } catch (error) {
    if (signal?.aborted) throw new BerthError('CANCELLED', `${where}: cancelled`, { cause: error });
    throw toStoreError(error, { where, bucket: context.location.bucket });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
