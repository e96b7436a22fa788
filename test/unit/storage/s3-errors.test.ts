import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import type { ErrorId } from '../../../src/core/errors.js';
import { toStoreError } from '../../../src/storage/backends/s3/s3-errors.js';

const context = { where: 's3://models/prod/m/1/model.onnx', bucket: 'models' };

/** An error shaped as the SDK throws it: S3's code as `name`, the status in `$metadata`. */
function serviceError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} message`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });
}

describe('S3 errors mapped onto store errors', () => {
  const table: Array<[string, unknown, ErrorId, string[]]> = [
    ['NoSuchKey', serviceError('NoSuchKey', 404), 'STORE_NOT_FOUND', [context.where, 'no such file']],
    ['HEAD 404', serviceError('NotFound', 404), 'STORE_NOT_FOUND', [context.where]],
    ['bare 404', serviceError('UnknownError', 404), 'STORE_NOT_FOUND', [context.where]],
    [
      'NoSuchBucket',
      serviceError('NoSuchBucket', 404),
      'STORE_NOT_FOUND',
      ['s3://models:', 'no such bucket'],
    ],
    [
      '412',
      serviceError('PreconditionFailed', 412),
      'STORE_ALREADY_EXISTS',
      [context.where, 'already exists'],
    ],
    ['409 conditional race', serviceError('ConditionalRequestConflict', 409), 'STORE_ALREADY_EXISTS', []],
    [
      'AccessDenied',
      serviceError('AccessDenied', 403),
      'STORE_ERROR',
      ['access denied', 'AWS_ACCESS_KEY_ID'],
    ],
    ['bad secret', serviceError('SignatureDoesNotMatch', 403), 'STORE_ERROR', ['AWS_PROFILE']],
    ['unknown key id', serviceError('InvalidAccessKeyId', 403), 'STORE_ERROR', ['credentials']],
    ['versitygw unknown user', serviceError('XAdminUserNotFound', 404), 'STORE_ERROR', ['credentials']],
    ['no credentials', serviceError('CredentialsProviderError'), 'STORE_ERROR', ['credentials']],
    ['ECONNREFUSED', socketError('ECONNREFUSED'), 'STORE_UNREACHABLE', [context.where, 'ECONNREFUSED']],
    ['ENOTFOUND', socketError('ENOTFOUND'), 'STORE_UNREACHABLE', ['cannot reach']],
    ['ECONNRESET', socketError('ECONNRESET'), 'STORE_UNREACHABLE', []],
    [
      'happy eyeballs',
      new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], ''),
      'STORE_UNREACHABLE',
      [],
    ],
    ['cause chain', new Error('fetch failed', { cause: socketError('ETIMEDOUT') }), 'STORE_UNREACHABLE', []],
    ['SDK timeout', serviceError('TimeoutError'), 'STORE_UNREACHABLE', ['unavailable']],
    ['500', serviceError('InternalError', 500), 'STORE_UNREACHABLE', ['HTTP 500']],
    ['503 SlowDown', serviceError('SlowDown', 503), 'STORE_UNREACHABLE', ['SlowDown']],
    [
      'throttled',
      serviceError('Whatever', 400, { $retryable: { throttling: true } }),
      'STORE_UNREACHABLE',
      [],
    ],
    ['no region', new Error('Region is missing'), 'STORE_ERROR', ['AWS_REGION']],
    ['anything else', serviceError('InvalidArgument', 400), 'STORE_ERROR', ['InvalidArgument, HTTP 400']],
    ['abort', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'CANCELLED', ['cancelled']],
  ];
  for (const [label, error, id, mentions] of table) {
    it(`${label} → ${id}`, () => {
      const mapped = toStoreError(error, context);
      assert.equal(mapped.id, id, mapped.message);
      for (const mention of mentions)
        assert.ok(mapped.message.includes(mention), `"${mapped.message}" names ${mention}`);
      assert.equal(mapped.cause, error);
    });
  }

  it('passes BerthErrors through unchanged', () => {
    const error = new BerthError('CANCELLED', 'x');
    assert.equal(toStoreError(error, context), error);
  });
});
