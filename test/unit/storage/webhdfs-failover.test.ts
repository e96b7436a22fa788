/** NameNodeFailover: which NameNode is tried when, and what a failed round reports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../src/core/errors.js';
import {
  failoverAlways,
  failoverIdempotent,
  NameNodeFailover,
} from '../../../src/storage/backends/webhdfs/namenode-failover.js';
import { NotSentError, StandbyError } from '../../../src/storage/backends/webhdfs/webhdfs-errors.js';
import { berthError } from '../../support/store-assertions.js';

const where = 'hdfs://prod/models/m';
const standby = (url: string) =>
  new StandbyError(`${where}: ${url} is in standby`, { exception: 'StandbyException', message: '' });
const refused = (url: string) => new NotSentError(`${where}: cannot reach ${url} (ECONNREFUSED)`, undefined);

describe('NameNodeFailover', () => {
  it('tries NameNodes in configured order, then starts from the one that answered last', async () => {
    const failover = new NameNodeFailover(['nn1', 'nn2', 'nn3']);
    assert.deepEqual(failover.order(), ['nn1', 'nn2', 'nn3']);
    const tried: string[] = [];
    const result = await failover.run(where, failoverAlways, async (url) => {
      tried.push(url);
      if (url !== 'nn3') throw url === 'nn1' ? standby(url) : refused(url);
      return 'ok';
    });
    assert.equal(result, 'ok');
    assert.deepEqual(tried, ['nn1', 'nn2', 'nn3']);
    assert.deepEqual(failover.order(), ['nn3', 'nn1', 'nn2']);
    tried.length = 0;
    await failover.run(where, failoverAlways, async (url) => void tried.push(url));
    assert.deepEqual(tried, ['nn3'], 'the active NameNode first: one request in the usual case');
  });

  it('an error the rule does not fail over on is thrown at once', async () => {
    const failover = new NameNodeFailover(['nn1', 'nn2']);
    const tried: string[] = [];
    const notFound = new BerthError('STORE_NOT_FOUND', `${where}: no such file or folder`);
    await assert.rejects(
      failover.run(where, failoverAlways, async (url) => {
        tried.push(url);
        throw notFound;
      }),
      (error) => error === notFound,
    );
    assert.deepEqual(tried, ['nn1']);
  });

  it('writes fail over only when the request did not run; reads on any unreachable NameNode', () => {
    const reset = new BerthError(
      'STORE_UNREACHABLE',
      `${where}: connection reset after the request was sent`,
    );
    assert.equal(failoverAlways(standby('nn1')), true);
    assert.equal(failoverAlways(refused('nn1')), true);
    assert.equal(failoverAlways(reset), false, 'a rename may have run: never send it twice');
    assert.equal(failoverIdempotent(reset), true);
    assert.equal(failoverIdempotent(new BerthError('STORE_ERROR', 'x')), false);
  });

  it('when every NameNode fails over: STORE_UNREACHABLE naming the URI and each answer', async () => {
    const failover = new NameNodeFailover(['http://nn1:9870', 'http://nn2:9870']);
    await assert.rejects(
      failover.run(where, failoverAlways, async (url) => {
        throw url.includes('nn1') ? standby(url) : refused(url);
      }),
      berthError(
        'STORE_UNREACHABLE',
        `${where}: no active NameNode among 2 (http://nn1:9870: http://nn1:9870 is in standby; `,
        'http://nn2:9870: cannot reach http://nn2:9870 (ECONNREFUSED))',
      ),
    );
  });

  it('with one NameNode the error is its own, unwrapped', async () => {
    const failover = new NameNodeFailover(['nn1']);
    const error = refused('nn1');
    await assert.rejects(
      failover.run(where, failoverAlways, async () => {
        throw error;
      }),
      (thrown) => thrown === error,
    );
  });

  it('needs at least one address', () => {
    assert.throws(() => new NameNodeFailover([]), berthError('INTERNAL'));
  });
});
