/** hdfs:// / webhdfs:// URIs, and where the WebHDFS address comes from: env, Hadoop XML, defaults. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDefaultStoreRegistry } from '../../../src/storage/store-registry.js';
import { resolveStoreSettings } from '../../../src/storage/store-settings-env.js';
import {
  createAuth,
  DelegationTokenAuth,
  identityFromEnv,
  SimpleAuth,
} from '../../../src/storage/backends/webhdfs/webhdfs-auth.js';
import {
  parseAddressList,
  resolveNameNodes,
  webHdfsSettingsFromEnv,
} from '../../../src/storage/backends/webhdfs/webhdfs-config.js';
import { readHadoopConf } from '../../../src/storage/backends/webhdfs/hadoop-conf.js';
import { hdfsPath, parseHdfsUri, webHdfsUrlPath } from '../../../src/storage/backends/webhdfs/webhdfs-uri.js';
import { WebHdfsStore } from '../../../src/storage/backends/webhdfs/webhdfs-store.js';
import { berthError, tempFolder } from '../../support/store-assertions.js';

const at = (uri: string) => parseHdfsUri(new URL(uri));
const conf = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('parseHdfsUri', () => {
  it('reads hdfs://, webhdfs:// and swebhdfs:// URIs as users write them', () => {
    assert.deepEqual(at('hdfs://NameNode.example:8020/models/'), {
      scheme: 'hdfs',
      host: 'namenode.example',
      port: 8020,
      root: '/models',
      uri: 'hdfs://namenode.example:8020/models',
    });
    assert.deepEqual(at('webhdfs://nn:9870'), {
      scheme: 'webhdfs',
      host: 'nn',
      port: 9870,
      root: '/',
      uri: 'webhdfs://nn:9870',
    });
    assert.equal(at('swebhdfs://nn/a%20b/c').root, '/a b/c');
    assert.equal(at('swebhdfs://nn/a%20b/c').uri, 'swebhdfs://nn/a%20b/c');
    assert.deepEqual([at('hdfs:///models').host, at('hdfs:///models').root], ['', '/models']);
  });

  it('refuses users, queries and a missing webhdfs host, naming the URI', () => {
    for (const [uri, why] of [
      ['hdfs://alice@nn:8020/m', 'BERTH_HDFS_USER'],
      ['hdfs://nn:8020/m?x=1', 'no query'],
      ['webhdfs:///m', 'host is missing'],
      ['s3://bucket/m', 'hdfs:, webhdfs: or swebhdfs:'],
    ] as const) {
      assert.throws(() => at(uri), berthError('UNSUPPORTED_STORE_URI', uri.slice(0, 10), why), uri);
    }
  });

  it('joins store paths under the root and encodes them for WebHDFS URLs', () => {
    assert.equal(hdfsPath(at('hdfs://nn/models'), 'm/1/model.onnx'), '/models/m/1/model.onnx');
    assert.equal(hdfsPath(at('hdfs://nn/'), 'm'), '/m');
    assert.equal(hdfsPath(at('hdfs://nn/models'), ''), '/models');
    assert.equal(webHdfsUrlPath('/a b/ü?#'), '/webhdfs/v1/a%20b/%C3%BC%3F%23');
    assert.equal(webHdfsUrlPath('/'), '/webhdfs/v1/');
  });
});

describe('resolveNameNodes', () => {
  it('webhdfs:// and swebhdfs:// name the address, with ports 9870 / 9871 by default', () => {
    assert.deepEqual(resolveNameNodes(at('webhdfs://nn:50070/m'), {}).urls, ['http://nn:50070']);
    assert.deepEqual(resolveNameNodes(at('webhdfs://nn/m'), {}).urls, ['http://nn:9870']);
    assert.deepEqual(resolveNameNodes(at('swebhdfs://nn/m'), {}).urls, ['https://nn:9871']);
    // BERTH_WEBHDFS_ADDRESS is for hdfs:// only.
    assert.deepEqual(resolveNameNodes(at('webhdfs://nn:1/m'), { addresses: ['http://x:2'] }).urls, [
      'http://nn:1',
    ]);
  });

  it('hdfs:// takes BERTH_WEBHDFS_ADDRESS first: one address or an HA list, schemes optional', () => {
    const env = { BERTH_WEBHDFS_ADDRESS: ' nn1:50070 , https://nn2 ,http://[::1]:80/' };
    const resolved = resolveNameNodes(
      at('hdfs://cluster:8020/m'),
      webHdfsSettingsFromEnv(env),
      conf({ 'dfs.namenode.http-address': 'x:1' }),
    );
    assert.deepEqual(resolved, {
      urls: ['http://nn1:50070', 'https://nn2:9871', 'http://[::1]:80'],
      source: 'BERTH_WEBHDFS_ADDRESS',
    });
  });

  it('refuses a malformed BERTH_WEBHDFS_ADDRESS, naming it', () => {
    for (const value of ['ftp://nn:1', 'nn:99999', 'nn:8020/path', ',', 'a b:1']) {
      assert.throws(
        () => parseAddressList(value),
        berthError('BAD_SERVER_CONFIG', 'BERTH_WEBHDFS_ADDRESS'),
        value,
      );
    }
  });

  it('else the same host on port 9870', () => {
    assert.deepEqual(resolveNameNodes(at('hdfs://nn.example:8020/m'), {}), {
      urls: ['http://nn.example:9870'],
      source: 'the default port 9870',
    });
  });

  it('an HA nameservice: each NameNode of dfs.ha.namenodes.<ns>, in order', () => {
    const ha = conf({
      'dfs.nameservices': 'other,Prod',
      'dfs.ha.namenodes.Prod': 'nn1, nn2,nn3',
      'dfs.namenode.http-address.Prod.nn1': 'a.example:9870',
      'dfs.namenode.http-address.Prod.nn2': 'b.example:50070',
      'dfs.namenode.http-address.Prod.nn3': 'c.example',
      'dfs.namenode.https-address.Prod.nn1': 'a.example:9871',
      'dfs.namenode.https-address.Prod.nn2': 'b.example:50470',
      'dfs.namenode.https-address.Prod.nn3': 'c.example:9871',
    });
    assert.deepEqual(resolveNameNodes(at('hdfs://prod/models'), {}, ha), {
      urls: ['http://a.example:9870', 'http://b.example:50070', 'http://c.example:9870'],
      source: 'HADOOP_CONF_DIR (HA nameservice prod)',
    });
    // dfs.http.policy=HTTPS_ONLY switches to the https-address keys.
    const https = new Map([...ha, ['dfs.http.policy', 'HTTPS_ONLY']]);
    assert.deepEqual(resolveNameNodes(at('hdfs://prod/models'), {}, https).urls, [
      'https://a.example:9871',
      'https://b.example:50470',
      'https://c.example:9871',
    ]);
    // webhdfs://<nameservice> (no port) resolves the same way, as Hadoop's WebHdfsFileSystem does.
    assert.deepEqual(resolveNameNodes(at('webhdfs://prod/models'), {}, ha).urls.length, 3);
  });

  it('an HA NameNode without an address is a config error naming the key', () => {
    const broken = conf({
      'dfs.nameservices': 'prod',
      'dfs.ha.namenodes.prod': 'nn1,nn2',
      'dfs.namenode.http-address.prod.nn1': 'a:1',
    });
    assert.throws(
      () => resolveNameNodes(at('hdfs://prod/m'), {}, broken),
      berthError('BAD_SERVER_CONFIG', 'dfs.namenode.http-address.prod.nn2'),
    );
  });

  it('a single NameNode: dfs.namenode.http-address when it describes the URI host', () => {
    const single = conf({
      'fs.defaultFS': 'hdfs://nn.example:8020',
      'dfs.namenode.http-address': 'nn-http.example:50070',
    });
    // The URI names the configured NameNode: its http-address is used as is.
    assert.deepEqual(resolveNameNodes(at('hdfs://nn.example:8020/m'), {}, single), {
      urls: ['http://nn-http.example:50070'],
      source: 'HADOOP_CONF_DIR (dfs.namenode.http-address)',
    });
    // Another host: only the configured port applies.
    assert.deepEqual(resolveNameNodes(at('hdfs://other:8020/m'), {}, single).urls, ['http://other:50070']);
    // A wildcard bind address means "the NameNode's own host".
    const wildcard = conf({ 'dfs.namenode.http-address': '0.0.0.0:9999' });
    assert.deepEqual(resolveNameNodes(at('hdfs://nn:8020/m'), {}, wildcard).urls, ['http://nn:9999']);
    // No http-address at all: the default port.
    assert.deepEqual(resolveNameNodes(at('hdfs://nn:8020/m'), {}, conf({})).urls, ['http://nn:9870']);
  });

  it('hdfs:///path uses the host of fs.defaultFS, and says how to fix a missing one', () => {
    const ha = conf({
      'fs.defaultFS': 'hdfs://prod',
      'dfs.nameservices': 'prod',
      'dfs.ha.namenodes.prod': 'nn1',
      'dfs.namenode.http-address.prod.nn1': 'a:1',
    });
    assert.deepEqual(resolveNameNodes(at('hdfs:///models'), {}, ha).urls, ['http://a:1']);
    assert.throws(
      () => resolveNameNodes(at('hdfs:///models'), {}),
      berthError('UNSUPPORTED_STORE_URI', 'hdfs:///models', 'fs.defaultFS', 'BERTH_WEBHDFS_ADDRESS'),
    );
  });
});

describe('WebHdfsStore address resolution from HADOOP_CONF_DIR files', () => {
  it('reads core-site.xml and hdfs-site.xml lazily, on first use', async () => {
    const dir = await tempFolder('hadoop-conf');
    try {
      await writeFile(
        join(dir.path, 'core-site.xml'),
        '<configuration><property><name>fs.defaultFS</name><value>hdfs://prod</value></property></configuration>',
      );
      await writeFile(
        join(dir.path, 'hdfs-site.xml'),
        `<?xml version="1.0"?>
<!-- HA pair -->
<configuration>
  <property><name>dfs.nameservices</name><value>prod</value></property>
  <property><name>dfs.ha.namenodes.prod</name><value>nn1,nn2</value></property>
  <property><name>nn.port</name><value>9870</value></property>
  <property>
    <name>dfs.namenode.http-address.prod.nn1</name>
    <value>nn1.example:\${nn.port}</value>
  </property>
  <property><name>dfs.namenode.http-address.prod.nn2</name><value>nn2.example:\${nn.port}</value></property>
</configuration>`,
      );
      const parsed = await readHadoopConf(dir.path);
      assert.equal(parsed.get('dfs.namenode.http-address.prod.nn2'), 'nn2.example:9870');
      const registry = createDefaultStoreRegistry(
        resolveStoreSettings({ HADOOP_CONF_DIR: dir.path, BERTH_HDFS_USER: 'u' }),
      );
      for (const uri of ['hdfs://prod/models', 'hdfs:///models']) {
        const store = registry.resolve(uri);
        assert.ok(store instanceof WebHdfsStore);
        assert.deepEqual(await store.addresses(), {
          urls: ['http://nn1.example:9870', 'http://nn2.example:9870'],
          source: 'HADOOP_CONF_DIR (HA nameservice prod)',
        });
      }
      // Opening a store reads nothing: a bad folder only fails when the store is used.
      const lazy = new WebHdfsStore(
        new URL('hdfs://prod/m'),
        resolveStoreSettings({ HADOOP_CONF_DIR: join(dir.path, 'x') }),
      );
      assert.deepEqual((await lazy.addresses()).urls, ['http://prod:9870']); // no files there: defaults
    } finally {
      await dir.remove();
    }
  });
});

describe('the WebHDFS identity from the environment', () => {
  const authFromEnv = (env: Record<string, string>) => createAuth(identityFromEnv(env));
  const sign = (auth: ReturnType<typeof authFromEnv>) => {
    const url = new URL('http://nn:9870/webhdfs/v1/m?op=GETFILESTATUS');
    auth.sign(url, {});
    return Object.fromEntries(url.searchParams);
  };

  it('user.name from BERTH_HDFS_USER, else HADOOP_USER_NAME, else the OS user; doas from BERTH_HDFS_DOAS', () => {
    assert.deepEqual(sign(authFromEnv({ BERTH_HDFS_USER: 'svc', HADOOP_USER_NAME: 'hadoop' })), {
      op: 'GETFILESTATUS',
      'user.name': 'svc',
    });
    assert.equal(sign(authFromEnv({ HADOOP_USER_NAME: 'hadoop' }))['user.name'], 'hadoop');
    assert.ok((sign(authFromEnv({}))['user.name'] ?? '').length > 0);
    const proxy = authFromEnv({ BERTH_HDFS_USER: 'berth', BERTH_HDFS_DOAS: 'alice' });
    assert.ok(proxy instanceof SimpleAuth);
    assert.equal(proxy.description, 'user berth acting as alice');
    assert.deepEqual(sign(proxy), { op: 'GETFILESTATUS', 'user.name': 'berth', doas: 'alice' });
  });

  it('a delegation token replaces user.name (Hadoop refuses a mismatch of the two)', () => {
    const auth = authFromEnv({ BERTH_HDFS_DELEGATION_TOKEN: 'HAAEaGRmcw', BERTH_HDFS_USER: 'svc' });
    assert.ok(auth instanceof DelegationTokenAuth);
    assert.deepEqual(sign(auth), { op: 'GETFILESTATUS', delegation: 'HAAEaGRmcw' });
  });
});
