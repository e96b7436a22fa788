/** StoreSettings resolved from an environment once, at the edge, and handed to the backends. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import { S3Store } from '../../../src/storage/backends/s3/s3-store.js';
import { WebHdfsStore } from '../../../src/storage/backends/webhdfs/webhdfs-store.js';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { resolveStoreSettings, STORE_ENV } from '../../../src/storage/store-settings-env.js';
import { berthError } from '../../support/store-assertions.js';

describe('resolveStoreSettings', () => {
  it('parses the S3 and WebHDFS variables into typed settings', () => {
    const settings = resolveStoreSettings(
      {
        BERTH_S3_ENDPOINT: 'http://127.0.0.1:19000/',
        AWS_MAX_ATTEMPTS: '2',
        BERTH_WEBHDFS_ADDRESS: 'nn1:1,https://nn2',
        HADOOP_CONF_DIR: ' /etc/hadoop ',
        HADOOP_USER_NAME: 'hadoop',
        BERTH_HDFS_DOAS: 'alice',
      },
      { requestTimeoutMs: 1234 },
    );
    assert.deepEqual(settings.s3, {
      endpoint: 'http://127.0.0.1:19000',
      forcePathStyle: true,
      region: 'us-east-1',
      maxAttempts: 2,
      requestTimeoutMs: 1234,
    });
    assert.deepEqual(settings.webhdfs, {
      addresses: ['http://nn1:1', 'https://nn2:9871'],
      hadoopConfDir: '/etc/hadoop',
      identity: { user: 'hadoop', doAs: 'alice' },
    });
    assert.equal(settings.requestTimeoutMs, 1234);
    assert.ok(Object.isFrozen(settings));
  });

  it('keeps a malformed backend variable for when that backend is opened, not before', () => {
    const settings = resolveStoreSettings({ AWS_MAX_ATTEMPTS: 'many', BERTH_WEBHDFS_ADDRESS: 'ftp://nn' });
    assert.ok(settings.s3 instanceof BerthError);
    const stores = createDefaultStoreRegistry(settings);
    assert.equal(stores.resolve('file:///srv/models').uri, 'file:///srv/models'); // unaffected
    assert.throws(
      () => stores.resolve('s3://bucket/m'),
      berthError('BAD_SERVER_CONFIG', 'AWS_MAX_ATTEMPTS="many"'),
    );
    assert.throws(
      () => stores.resolve('hdfs://nn/m'),
      berthError('BAD_SERVER_CONFIG', 'BERTH_WEBHDFS_ADDRESS'),
    );
  });

  it('without settings the backends open with their defaults and read no environment', () => {
    const stores = createDefaultStoreRegistry();
    assert.ok(stores.resolve('s3://bucket/m') instanceof S3Store);
    assert.ok(stores.resolve('webhdfs://nn:9870/m') instanceof WebHdfsStore);
  });

  it('documents each variable once', () => {
    const names = STORE_ENV.map((variable) => variable.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.includes('AWS_ENDPOINT_URL_S3') && names.includes('HADOOP_CONF_DIR'));
  });
});
