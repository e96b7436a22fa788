import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { folderPrefix, objectKey, parseS3Uri } from '../../../src/storage/backends/s3/s3-uri.js';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { resolveStoreSettings } from '../../../src/storage/store-settings-env.js';
import { S3Store } from '../../../src/storage/backends/s3/s3-store.js';
import { berthError } from '../../support/store-assertions.js';

describe('s3 URIs', () => {
  it('splits bucket and prefix, normalising slashes', () => {
    assert.deepEqual(parseS3Uri(new URL('s3://models/team/prod/')), {
      bucket: 'models',
      prefix: 'team/prod',
      uri: 's3://models/team/prod',
    });
    assert.deepEqual(parseS3Uri(new URL('s3://models//a///b')), {
      bucket: 'models',
      prefix: 'a/b',
      uri: 's3://models/a/b',
    });
  });

  it('takes a whole bucket, with or without a trailing slash', () => {
    for (const uri of ['s3://models', 's3://models/']) {
      assert.deepEqual(parseS3Uri(new URL(uri)), { bucket: 'models', prefix: '', uri: 's3://models' });
    }
  });

  it('decodes percent-encoded prefixes and keeps them encoded in the URI', () => {
    const location = parseS3Uri(new URL('s3://models/my%20team/v%C3%A9'));
    assert.equal(location.prefix, 'my team/vé');
    assert.equal(location.uri, 's3://models/my%20team/v%C3%A9');
  });

  it('maps store paths to keys and folder prefixes', () => {
    const scoped = parseS3Uri(new URL('s3://bkt/models'));
    assert.equal(objectKey(scoped, 'm/1/model.onnx'), 'models/m/1/model.onnx');
    assert.equal(objectKey(scoped, ''), 'models');
    assert.equal(folderPrefix(scoped, 'm'), 'models/m/');
    assert.equal(folderPrefix(scoped, ''), 'models/');
    const whole = parseS3Uri(new URL('s3://bkt'));
    assert.equal(objectKey(whole, 'm/1'), 'm/1');
    assert.equal(folderPrefix(whole, 'm'), 'm/');
    assert.equal(folderPrefix(whole, ''), '');
  });

  it('refuses what is not a bucket and prefix, saying why', () => {
    const cases: Array<[string, string]> = [
      ['s3:///models', 'bucket is missing'],
      ['s3://key:secret@models/x', 'no credentials'],
      ['s3://models:9000/x', 'BERTH_S3_ENDPOINT'],
      ['s3://models/x?versionId=3', 'no query'],
      ['s3://models/x#frag', 'no query'],
      ['s3://a/x', 'not a valid bucket name'],
      ['s3://-bad-/x', 'not a valid bucket name'],
      ['s3://models/a%2F..%2Fb', '".."'],
      ['s3://models/bad%ZZ', 'percent-encoding'],
      ['http://models/x', 's3: URIs only'],
    ];
    for (const [uri, mention] of cases) {
      assert.throws(() => parseS3Uri(new URL(uri)), berthError('UNSUPPORTED_STORE_URI', mention), uri);
    }
  });

  it('is registered in the default store registry, with settings resolved from an env', () => {
    const registry = createDefaultStoreRegistry(
      resolveStoreSettings({ BERTH_S3_ENDPOINT: 'http://127.0.0.1:9' }),
    );
    assert.ok(registry.schemes().includes('s3'));
    const store = registry.resolve('S3://models/prod/');
    assert.ok(store instanceof S3Store);
    assert.equal(store.uri, 's3://models/prod');
    assert.equal(store.writable, true);
  });
});
