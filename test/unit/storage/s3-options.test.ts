import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveS3Settings, toClientConfig } from '../../../src/storage/backends/s3/s3-options.js';
import { berthError } from '../../support/store-assertions.js';

describe('s3 settings from the environment', () => {
  it('with nothing set: AWS itself, virtual-hosted, region and keys from the SDK chains', () => {
    assert.deepEqual(resolveS3Settings({}), { forcePathStyle: false, requestTimeoutMs: 30_000 });
  });

  it('takes the endpoint from BERTH_S3_ENDPOINT, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL', () => {
    const all = {
      BERTH_S3_ENDPOINT: 'http://berth:1',
      AWS_ENDPOINT_URL_S3: 'http://s3-only:2',
      AWS_ENDPOINT_URL: 'http://every-service:3',
    };
    assert.equal(resolveS3Settings(all).endpoint, 'http://berth:1');
    assert.equal(resolveS3Settings({ ...all, BERTH_S3_ENDPOINT: ' ' }).endpoint, 'http://s3-only:2');
    assert.equal(
      resolveS3Settings({ AWS_ENDPOINT_URL: 'https://every-service:3/' }).endpoint,
      'https://every-service:3',
    );
  });

  it('an endpoint turns on path-style and a default region, each overridable', () => {
    const compatible = resolveS3Settings({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:19000' });
    assert.deepEqual([compatible.forcePathStyle, compatible.region], [true, 'us-east-1']);
    const overridden = resolveS3Settings({
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:19000',
      BERTH_S3_FORCE_PATH_STYLE: 'false',
      AWS_REGION: 'eu-west-3',
    });
    assert.deepEqual([overridden.forcePathStyle, overridden.region], [false, 'eu-west-3']);
    assert.equal(resolveS3Settings({ BERTH_S3_FORCE_PATH_STYLE: 'yes' }).forcePathStyle, true);
    assert.equal(resolveS3Settings({ AWS_DEFAULT_REGION: 'ap-south-1' }).region, 'ap-south-1');
    assert.equal(resolveS3Settings({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'x' }).region, 'us-west-2');
  });

  it('passes keys found in the given env, and leaves them to the SDK chain otherwise', () => {
    assert.deepEqual(
      resolveS3Settings({
        AWS_ACCESS_KEY_ID: 'id',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'tok',
      }).credentials,
      { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'tok' },
    );
    assert.equal(resolveS3Settings({ AWS_ACCESS_KEY_ID: 'id' }).credentials, undefined);
    assert.equal(resolveS3Settings({ AWS_PROFILE: 'prod' }).credentials, undefined);
  });

  it('reads AWS_MAX_ATTEMPTS and the request timeout', () => {
    const settings = resolveS3Settings({ AWS_MAX_ATTEMPTS: '5' }, 1234);
    assert.deepEqual([settings.maxAttempts, settings.requestTimeoutMs], [5, 1234]);
  });

  it('names the variable and what it expected for a bad value', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        { BERTH_S3_ENDPOINT: 'not a url' },
        'BERTH_S3_ENDPOINT="not a url": expected an http:// or https:// URL',
      ],
      [{ AWS_ENDPOINT_URL_S3: 'ftp://host' }, 'AWS_ENDPOINT_URL_S3'],
      [{ AWS_ENDPOINT_URL: 'http://host/?x=1' }, 'without query'],
      [{ BERTH_S3_FORCE_PATH_STYLE: 'maybe' }, 'BERTH_S3_FORCE_PATH_STYLE="maybe": expected true or false'],
      [{ AWS_MAX_ATTEMPTS: '0' }, 'AWS_MAX_ATTEMPTS="0": expected a positive integer'],
    ];
    for (const [env, mention] of cases) {
      assert.throws(
        () => resolveS3Settings(env),
        berthError('BAD_SERVER_CONFIG', mention),
        JSON.stringify(env),
      );
    }
  });

  it('builds a client config with checksums only where required and bounded waits', () => {
    const config = toClientConfig(
      resolveS3Settings({ BERTH_S3_ENDPOINT: 'http://127.0.0.1:19000', AWS_MAX_ATTEMPTS: '2' }, 5000),
    );
    assert.deepEqual(config, {
      endpoint: 'http://127.0.0.1:19000',
      forcePathStyle: true,
      region: 'us-east-1',
      maxAttempts: 2,
      followRegionRedirects: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 5000, requestTimeout: 5000 },
    });
  });
});
