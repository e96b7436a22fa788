/**
 * WebHDFS failures mapped onto store error ids, in one table. Errors arrive as the JSON the spec
 * calls "Error Responses": `{"RemoteException": {"exception", "javaClassName", "message"}}` with
 * status 400/401/403/404/500 (Hadoop's ExceptionHandler sends every IOException as 403, so the
 * class name, not the status, says what happened). Messages may carry a Java stack trace: only
 * the first line is kept.
 */
import { BerthError } from '../../../core/errors.js';
import type { ErrorId } from '../../../core/errors.js';

/** The body of a WebHDFS error response. */
export interface RemoteException {
  /** Simple class name, e.g. FileNotFoundException. */
  readonly exception: string;
  /** Fully qualified, e.g. java.io.FileNotFoundException; may be absent on other servers. */
  readonly javaClassName?: string;
  /** First line of the server's message. */
  readonly message: string;
}

/**
 * STORE_UNREACHABLE for a NameNode that answered "standby" (HA): the operation was not run, so
 * the failover loop tries the next NameNode.
 */
export class StandbyError extends BerthError {
  constructor(message: string, cause: RemoteException) {
    super('STORE_UNREACHABLE', message, { cause });
  }
}

/**
 * STORE_UNREACHABLE for a request that never reached the server (connection refused, DNS, a
 * connect timeout): safe to send to another NameNode even when it is not idempotent.
 */
export class NotSentError extends BerthError {
  constructor(message: string, cause: unknown) {
    super('STORE_UNREACHABLE', message, { cause });
  }
}

/** The RemoteException in an error body, or undefined when the body is not one. */
export function parseRemoteException(body: string): RemoteException | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const remote = (parsed as { RemoteException?: unknown } | null)?.RemoteException as
    Record<string, unknown> | undefined;
  if (typeof remote !== 'object' || remote === null) return undefined;
  const javaClassName = typeof remote.javaClassName === 'string' ? remote.javaClassName : undefined;
  const exception =
    typeof remote.exception === 'string' && remote.exception !== ''
      ? remote.exception
      : (javaClassName?.split(/[.$]/).at(-1) ?? 'RemoteException');
  const message = typeof remote.message === 'string' ? (remote.message.split('\n')[0] ?? '').trim() : '';
  return { exception, ...(javaClassName === undefined ? {} : { javaClassName }), message };
}

/** What a mapping needs to name in messages. */
export interface ErrorContext {
  /** The hdfs:// URI of the path concerned. */
  readonly where: string;
  /** Who Berth was to HDFS ("user berth"), named when access is denied. */
  readonly identity: string;
}

const ACCESS_HINT =
  'set BERTH_HDFS_USER (or HADOOP_USER_NAME) to a user the path permissions allow, or ' +
  'BERTH_HDFS_DELEGATION_TOKEN on a secure cluster';

/** Simple class names by the store error they become; the rest are STORE_ERROR. */
const TABLE: ReadonlyArray<readonly [ErrorId | 'access' | 'standby', readonly string[]]> = [
  ['STORE_NOT_FOUND', ['FileNotFoundException']],
  ['STORE_ALREADY_EXISTS', ['FileAlreadyExistsException']],
  ['standby', ['StandbyException']],
  // Safe mode (start-up, maintenance) and "retry later" answers pass: retries apply to them.
  ['STORE_UNREACHABLE', ['SafeModeException', 'RetriableException', 'ObserverRetryOnActiveException']],
  ['access', ['AccessControlException', 'AuthorizationException', 'SecurityException', 'InvalidToken']],
];

/** The row of the table `exception` falls in, by its simple name (nested classes: after '$'). */
export function classify(remote: RemoteException): ErrorId | 'access' | 'standby' {
  const simple = remote.exception.split('$').at(-1) ?? remote.exception;
  for (const [kind, names] of TABLE) if (names.includes(simple)) return kind;
  return 'STORE_ERROR';
}

/** Maps a RemoteException (answered with `status`) onto a BerthError naming `context.where`. */
export function remoteError(remote: RemoteException, status: number, context: ErrorContext): BerthError {
  const { where } = context;
  const detail = `${remote.exception}${remote.message === '' ? '' : `: ${remote.message}`}`;
  const kind = classify(remote);
  switch (kind) {
    case 'STORE_NOT_FOUND':
      return new BerthError(kind, `${where}: no such file or folder`, { cause: remote });
    case 'STORE_ALREADY_EXISTS':
      return new BerthError(kind, `${where}: already exists`, { cause: remote });
    case 'standby':
      return new StandbyError(`${where}: the NameNode is in standby (${detail})`, remote);
    case 'STORE_UNREACHABLE':
      return new BerthError(kind, `${where}: HDFS cannot serve this now (${detail})`, { cause: remote });
    case 'access':
      return accessDenied(where, context.identity, detail, remote);
    default:
      return new BerthError('STORE_ERROR', `${where}: HDFS answered HTTP ${status} (${detail})`, {
        cause: remote,
      });
  }
}

/** Maps an error status whose body is not a RemoteException (a proxy, a SPNEGO challenge). */
export function statusError(status: number, body: string, context: ErrorContext): BerthError {
  const { where } = context;
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const detail = `HTTP ${status}${text === '' ? '' : `: ${text}`}`;
  if (status === 404 || status === 410)
    return new BerthError('STORE_NOT_FOUND', `${where}: not found (${detail})`);
  if (status === 401) {
    return accessDenied(
      where,
      context.identity,
      `${detail}; the cluster may require Kerberos (SPNEGO), which Berth does not send yet`,
      undefined,
    );
  }
  if (status === 403) return accessDenied(where, context.identity, detail, undefined);
  if (status === 502 || status === 503 || status === 504 || status === 429)
    return new BerthError('STORE_UNREACHABLE', `${where}: HDFS is unavailable (${detail})`);
  return new BerthError('STORE_ERROR', `${where}: unexpected answer (${detail})`);
}

function accessDenied(where: string, identity: string, detail: string, cause: unknown): BerthError {
  return new BerthError(
    'STORE_ERROR',
    `${where}: HDFS denied access to ${identity} (${detail}); ${ACCESS_HINT}`,
    {
      cause,
    },
  );
}

/** "Offset=3 out of the range [0, 3)": an OPEN that starts at or past the end of the file. */
export function isOffsetPastEnd(remote: RemoteException): boolean {
  return /^Offset=\d+ out of the range/.test(remote.message);
}

/** The DataNode's answer to OPEN on a folder: FileNotFoundException "Path is not a file: /m". */
export function isNotAFile(remote: RemoteException): boolean {
  return /^Path is not a file/.test(remote.message);
}

/** An old server (Hadoop < 2.8) refusing LISTSTATUS_BATCH as an unknown operation. */
export function isUnknownOperation(remote: RemoteException, op: string): boolean {
  return remote.exception === 'IllegalArgumentException' && remote.message.includes(`${op} is not a valid`);
}
