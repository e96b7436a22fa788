/**
 * A fresh bucket on the real S3-compatible server the integration run was given (versitygw, started
 * by scripts/s3/start.sh), plus raw SDK access to it for seeding and corrupting objects behind the
 * store's back. The server comes from the environment:
 *
 *   BERTH_TEST_S3_ENDPOINT   e.g. http://127.0.0.1:19000 (required; the suite skips without it)
 *   AWS_ACCESS_KEY_ID        root access key of that server (required)
 *   AWS_SECRET_ACCESS_KEY    its secret (required)
 *   AWS_REGION               optional, default us-east-1
 *
 * `eval "$(scripts/s3/start.sh)"` exports exactly these.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { StoreSettings } from '../../../src/storage/store-settings.js';
import { resolveStoreSettings } from '../../../src/storage/store-settings-env.js';
import { S3Store } from '../../../src/storage/backends/s3/s3-store.js';

/** The server to test against, or why there is none. */
export type S3TestServer =
  { readonly endpoint: string; readonly env: Readonly<Record<string, string>> } | { readonly skip: string };

/** Reads the test server from the environment; `skip` names what is missing. */
export function s3TestServer(env: NodeJS.ProcessEnv = process.env): S3TestServer {
  const required = ['BERTH_TEST_S3_ENDPOINT', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    return {
      skip: `no S3 server: set ${missing.join(', ')} (eval "$(scripts/s3/start.sh)" starts versitygw and exports them)`,
    };
  }
  const endpoint = env.BERTH_TEST_S3_ENDPOINT as string;
  return {
    endpoint,
    // What a user sets for an S3-compatible server; the store reads nothing else.
    env: {
      BERTH_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID as string,
      AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY as string,
      AWS_REGION: env.AWS_REGION || 'us-east-1',
    },
  };
}

/** One bucket made for this test run, removed with everything in it by `remove`. */
export interface S3TestBucket {
  readonly name: string;
  /** A raw client with the same settings, for what the store must not be used for. */
  readonly client: S3Client;
  /** An S3Store at `s3://<bucket>/<prefix>` with the server's settings (plus `settings`). */
  store(prefix: string, settings?: StoreSettings): S3Store;
  /** Puts objects straight into the bucket (no conditions, replacing what is there). */
  put(key: string, body: string | Uint8Array): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestBucket(server: { endpoint: string; env: Readonly<Record<string, string>> }) {
  const client = new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: server.env.AWS_REGION,
    credentials: {
      accessKeyId: server.env.AWS_ACCESS_KEY_ID as string,
      secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY as string,
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const name = `berth-test-${randomUUID().slice(0, 13)}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const bucket: S3TestBucket = {
    name,
    client,
    store: (prefix, settings = {}) =>
      new S3Store(new URL(`s3://${name}/${prefix}`), {
        ...resolveStoreSettings(server.env, { requestTimeoutMs: 10_000 }),
        ...settings,
      }),
    put: async (key, body) => {
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await client.send(
        new PutObjectCommand({ Bucket: name, Key: key, Body: bytes, ContentLength: bytes.length }),
      );
    },
    remove: async () => {
      await emptyBucket(client, name);
      await client.send(new DeleteBucketCommand({ Bucket: name }));
      client.destroy();
    },
  };
  return bucket;
}

/** Deletes every object, children before folder markers (versitygw keeps those as directories). */
async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
    if (keys.length === 0) return;
    keys.sort().reverse();
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
  }
}
