import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { FileStore } from '../../../src/storage/backends/file-store.js';
import { HttpStore } from '../../../src/storage/backends/http/http-store.js';
import type { ModelStore, StoreFactory } from '../../../src/storage/model-store.js';
import {
  createDefaultStoreRegistry,
  StoreRegistry,
  toStoreUrl,
} from '../../../src/storage/store-registry.js';
import { berthError } from '../../support/store-assertions.js';

describe('StoreRegistry', () => {
  const registry = createDefaultStoreRegistry({ requestTimeoutMs: 1000 });

  it('registers file, http(s), s3 and (s)webhdfs/hdfs by default', () => {
    assert.deepEqual(registry.schemes(), ['file', 'hdfs', 'http', 'https', 's3', 'swebhdfs', 'webhdfs']);
  });

  it('opens plain absolute and relative paths as file stores', () => {
    const absolute = registry.resolve('/srv/models/');
    assert.ok(absolute instanceof FileStore);
    assert.equal(absolute.uri, 'file:///srv/models');
    const relative = registry.resolve('./models');
    assert.equal(relative.uri, pathToFileURL(resolve('models')).href);
    assert.equal(registry.resolve('models').uri, relative.uri);
  });

  it('opens file: URIs as file stores', () => {
    const store = registry.resolve('file:///srv/models');
    assert.ok(store instanceof FileStore);
    assert.equal(store.uri, 'file:///srv/models');
  });

  it('opens http: and https: URIs as read-only http stores, scheme case-insensitively', () => {
    const store = registry.resolve('HTTP://models.example:8080/repo/');
    assert.ok(store instanceof HttpStore);
    assert.equal(store.uri, 'http://models.example:8080/repo');
    assert.equal(store.writable, false);
    assert.ok(registry.resolve('https://models.example/repo') instanceof HttpStore);
  });

  it('names the scheme and the known ones for an unknown scheme', () => {
    assert.throws(
      () => registry.resolve('gs://bucket/models'),
      berthError('UNSUPPORTED_STORE_URI', 'gs:', 'file:, hdfs:, http:, https:, s3:'),
    );
  });

  it('rejects empty and malformed URIs', () => {
    assert.throws(() => registry.resolve('  '), berthError('UNSUPPORTED_STORE_URI', 'empty'));
    assert.throws(
      () => registry.resolve('http://[bad'),
      berthError('UNSUPPORTED_STORE_URI', 'not a valid URI'),
    );
  });

  it('stays open to new schemes and hands them the URL and options', () => {
    const seen: { url?: URL; timeout?: number } = {};
    const fake: StoreFactory = (url, options) => {
      seen.url = url;
      seen.timeout = options.requestTimeoutMs;
      return { uri: url.href } as ModelStore;
    };
    const extended = new StoreRegistry({ requestTimeoutMs: 42 }).register(['gs', 'abfs:'], fake);
    extended.resolve('abfs://container/models');
    assert.equal(seen.url?.protocol, 'abfs:');
    assert.equal(seen.timeout, 42);
    assert.deepEqual(extended.schemes(), ['abfs', 'gs']);
  });

  it('refuses to register a scheme twice', () => {
    const fresh = new StoreRegistry().register('s3', () => ({}) as ModelStore);
    assert.throws(() => fresh.register('S3:', () => ({}) as ModelStore), berthError('INTERNAL', 's3:'));
  });

  it('reads strings without a scheme as paths', () => {
    assert.equal(toStoreUrl('/a b/c').href, 'file:///a%20b/c');
    assert.equal(toStoreUrl('s3://bucket/x').protocol, 's3:');
  });
});
