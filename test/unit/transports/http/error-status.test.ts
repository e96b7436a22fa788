import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCodes } from 'fastify';
import { BerthError } from '../../../../src/core/errors.js';
import { fromFrameworkError, httpStatusOf } from '../../../../src/transports/http/error-status.js';

describe('fastify errors as BerthErrors', () => {
  const clientErrors = Object.entries(errorCodes)
    .map(([name, Make]) => [name, new (Make as new (...args: string[]) => Error)('a', 'b', 'c')] as const)
    .filter(([, error]) => {
      const status = (error as { statusCode?: number }).statusCode ?? 0;
      return status >= 400 && status < 500;
    });

  it('finds the client errors fastify defines', () => {
    assert.ok(clientErrors.length >= 10, `only ${clientErrors.length}`);
  });

  for (const [name, error] of clientErrors) {
    it(`keeps ${name} a 4xx with a typed id and a message`, () => {
      const typed = fromFrameworkError(error, 1024);
      assert.notEqual(typed.id, 'INTERNAL');
      const status = httpStatusOf(typed);
      assert.ok(status >= 400 && status < 500, `${name} → ${status}`);
      assert.ok(typed.message.length > 0);
    });
  }

  it('picks ids that fit the status, and keeps the framework code in the message', () => {
    const mediaType = fromFrameworkError(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), 1);
    assert.equal(httpStatusOf(mediaType), 415);
    const tooLarge = fromFrameworkError(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), 99);
    assert.equal(tooLarge.id, 'BODY_TOO_LARGE');
    assert.match(tooLarge.message, /limit of 99 bytes/);
    const missing = fromFrameworkError(new errorCodes.FST_ERR_ROUTE_MISSING_CONTENT_TYPE('POST'), 1);
    assert.equal(missing.id, 'INVALID_REQUEST');
    assert.match(missing.message, /^request: .*Content-Type.*\(FST_ERR_ROUTE_MISSING_CONTENT_TYPE\)$/);
    const badUrl = fromFrameworkError(new errorCodes.FST_ERR_BAD_URL('/v2/%ZZ'), 1);
    assert.match(badUrl.message, /^URL: '\/v2\/%ZZ' is not a valid url component/);
  });

  it('keeps any other client error a 4xx, and anything else INTERNAL', () => {
    const teapot = Object.assign(new Error('short and stout'), { statusCode: 418 });
    assert.equal(httpStatusOf(fromFrameworkError(teapot, 1)), 400);
    assert.equal(fromFrameworkError(new Error('bug'), 1).id, 'INTERNAL');
    const serverSide = Object.assign(new Error('x'), { statusCode: 500, code: 'FST_ERR_X' });
    assert.equal(fromFrameworkError(serverSide, 1).id, 'INTERNAL');
    const typed = new BerthError('QUEUE_FULL', 'q');
    assert.equal(fromFrameworkError(typed, 1), typed);
  });
});
