/** The RemoteException → store error table, on the bodies Hadoop 3.5 really sends (scripts/services.md). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorId } from '../../../src/core/errors.js';
import {
  classify,
  isNotAFile,
  isOffsetPastEnd,
  isUnknownOperation,
  NotSentError,
  parseRemoteException,
  remoteError,
  StandbyError,
  statusError,
} from '../../../src/storage/backends/webhdfs/webhdfs-errors.js';

const context = { where: 'hdfs://nn:8020/models/m/1/model.onnx', identity: 'user berth' };
const body = (exception: string, javaClassName: string, message: string) =>
  JSON.stringify({ RemoteException: { exception, javaClassName, message } });

describe('parseRemoteException', () => {
  it('keeps the class and the first line of the message (Hadoop appends stack traces)', () => {
    const remote = parseRemoteException(
      body(
        'FileAlreadyExistsException',
        'org.apache.hadoop.fs.FileAlreadyExistsException',
        '/models/m1/a.bin for client 127.0.0.1 already exists\n\tat org.apache.hadoop.hdfs.server.namenode.FSDirWriteFileOp.startFile(FSDirWriteFileOp.java:388)',
      ),
    );
    assert.deepEqual(remote, {
      exception: 'FileAlreadyExistsException',
      javaClassName: 'org.apache.hadoop.fs.FileAlreadyExistsException',
      message: '/models/m1/a.bin for client 127.0.0.1 already exists',
    });
  });

  it('falls back to the simple name of javaClassName; not a RemoteException → undefined', () => {
    const nested = parseRemoteException(
      JSON.stringify({
        RemoteException: {
          javaClassName: 'org.apache.hadoop.security.token.SecretManager$InvalidToken',
          message: 'token expired',
        },
      }),
    );
    assert.equal(nested?.exception, 'InvalidToken');
    for (const text of [
      '',
      '<html>502 Bad Gateway</html>',
      '{"boolean":true}',
      '{"RemoteException":"x"}',
      'null',
    ])
      assert.equal(parseRemoteException(text), undefined, text);
  });
});

describe('remoteError', () => {
  const cases: Array<[string, number, string, ErrorId, string[]]> = [
    [
      'FileNotFoundException',
      404,
      'File does not exist: /models/m/1/model.onnx',
      'STORE_NOT_FOUND',
      ['no such file or folder'],
    ],
    [
      'FileAlreadyExistsException',
      403,
      'rename destination /s/b.txt already exists',
      'STORE_ALREADY_EXISTS',
      ['already exists'],
    ],
    [
      'StandbyException',
      403,
      'Operation category READ is not supported in state standby',
      'STORE_UNREACHABLE',
      ['standby'],
    ],
    [
      'SafeModeException',
      403,
      'Cannot create file/x. Name node is in safe mode.',
      'STORE_UNREACHABLE',
      ['SafeModeException', 'safe mode'],
    ],
    ['RetriableException', 403, 'Namenode is in startup mode', 'STORE_UNREACHABLE', ['RetriableException']],
    [
      'AccessControlException',
      403,
      'Permission denied: user=berth, access=WRITE, inode="/models":hdfs:supergroup:drwxr-xr-x',
      'STORE_ERROR',
      ['denied access to user berth', 'access=WRITE', 'BERTH_HDFS_USER'],
    ],
    [
      'InvalidToken',
      403,
      'token (HDFS_DELEGATION_TOKEN token 7 for berth) is expired',
      'STORE_ERROR',
      ['is expired', 'DELEGATION_TOKEN'],
    ],
    [
      'PathIsNotEmptyDirectoryException',
      403,
      "`/s/pub is non empty': Directory is not empty",
      'STORE_ERROR',
      ['HTTP 403', 'PathIsNotEmptyDirectoryException: `/s/pub'],
    ],
    [
      'IllegalArgumentException',
      400,
      'Invalid value for webhdfs parameter "op"',
      'STORE_ERROR',
      ['HTTP 400', 'IllegalArgumentException'],
    ],
    ['NullPointerException', 500, '', 'STORE_ERROR', ['HTTP 500 (NullPointerException)']],
  ];
  for (const [exception, status, message, id, mentions] of cases) {
    it(`${exception} → ${id}`, () => {
      const error = remoteError({ exception, javaClassName: `x.${exception}`, message }, status, context);
      assert.equal(error.id, id);
      assert.ok(error.message.startsWith(`${context.where}: `), error.message);
      for (const text of mentions)
        assert.ok(error.message.includes(text), `"${error.message}" mentions "${text}"`);
    });
  }

  it('StandbyException is a StandbyError, the one the failover loop moves on for', () => {
    const error = remoteError({ exception: 'StandbyException', message: 'standby' }, 403, context);
    assert.ok(error instanceof StandbyError);
    assert.equal(classify({ exception: 'StandbyException', message: '' }), 'standby');
    assert.ok(
      !(remoteError({ exception: 'IOException', message: '' }, 403, context) instanceof StandbyError),
    );
  });

  it('classifies nested classes by their last name', () => {
    assert.equal(classify({ exception: 'SecretManager$InvalidToken', message: '' }), 'access');
  });
});

describe('statusError (no RemoteException in the body)', () => {
  it('maps statuses: 404 not found, 401/403 access (401 says Kerberos), gateway errors unreachable', () => {
    const map = (status: number, text = '') => statusError(status, text, context);
    assert.equal(map(404).id, 'STORE_NOT_FOUND');
    assert.match(map(401, 'Authentication required').message, /Kerberos \(SPNEGO\)/);
    assert.match(map(403).message, /denied access to user berth/);
    for (const status of [429, 502, 503, 504])
      assert.equal(map(status).id, 'STORE_UNREACHABLE', String(status));
    const other = map(500, '<html>\n  <body>boom</body>\n</html>');
    assert.equal(other.id, 'STORE_ERROR');
    assert.ok(other.message.includes('HTTP 500: <html> <body>boom</body> </html>'), other.message);
  });
});

describe('special answers', () => {
  it('recognises an offset at the end, OPEN of a folder, and an unknown operation', () => {
    assert.ok(
      isOffsetPastEnd({
        exception: 'IOException',
        message: 'Offset=3 out of the range [0, 3); OPEN, path=/t/f.txt',
      }),
    );
    assert.ok(!isOffsetPastEnd({ exception: 'IOException', message: 'Offset=-1 is negative' }));
    assert.ok(isNotAFile({ exception: 'FileNotFoundException', message: 'Path is not a file: /models/m1' }));
    assert.ok(
      isUnknownOperation(
        {
          exception: 'IllegalArgumentException',
          message: 'Invalid value for webhdfs parameter "op": LISTSTATUS_BATCH is not a valid GET operation.',
        },
        'LISTSTATUS_BATCH',
      ),
    );
  });

  it('NotSentError is STORE_UNREACHABLE, so retries apply to it too', () => {
    assert.equal(new NotSentError('x', undefined).id, 'STORE_UNREACHABLE');
  });
});
