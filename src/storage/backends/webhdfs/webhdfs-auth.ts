/**
 * Who Berth is to the NameNode: the authentication seam of the WebHDFS store. The WebHDFS spec
 * ("Authentication") allows three ways: `user.name=<user>` (security off), a delegation token
 * (`delegation=<token>`), or Kerberos SPNEGO (`Authorization: Negotiate ...`). The first two are
 * here; SPNEGO fits the same interface (an implementation that adds the header, and re-signs on a
 * 401 challenge) without any change to the store. Only NameNode requests are signed: the NameNode
 * puts what the DataNode needs (user.name, or a delegation token) into the redirect it answers.
 */
import { userInfo } from 'node:os';
import { BerthError } from '../../../core/errors.js';

/** Adds credentials to one NameNode request, and describes them for error messages. */
export interface WebHdfsAuth {
  /** Sets query parameters and/or headers on the request about to be sent to `url`. */
  sign(url: URL, headers: Record<string, string>): void | Promise<void>;
  /** e.g. "user berth", "delegation token"; named in access-denied messages. */
  readonly description: string;
}

/** Security off ("simple"): the user name travels as `user.name`, `doas` for a proxy user. */
export class SimpleAuth implements WebHdfsAuth {
  readonly description: string;

  constructor(
    readonly user: string,
    readonly doAs?: string,
  ) {
    this.description = doAs === undefined ? `user ${user}` : `user ${user} acting as ${doAs}`;
  }

  sign(url: URL): void {
    url.searchParams.set('user.name', this.user);
    if (this.doAs !== undefined) url.searchParams.set('doas', this.doAs);
  }
}

/**
 * A delegation token (the URL-safe string `hdfs fetchdt` or GETDELEGATIONTOKEN's `urlString`
 * gives). It carries the identity, so no user.name is sent (Hadoop refuses a mismatch).
 */
export class DelegationTokenAuth implements WebHdfsAuth {
  readonly description = 'delegation token';

  constructor(readonly token: string) {}

  sign(url: URL): void {
    url.searchParams.set('delegation', this.token);
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The auth the environment asks for: BERTH_HDFS_DELEGATION_TOKEN when set; else simple auth as
 * BERTH_HDFS_USER, else HADOOP_USER_NAME (what Hadoop's own clients read), else the OS user, with
 * BERTH_HDFS_DOAS as the proxy user when set.
 */
export function authFromEnv(env: Env): WebHdfsAuth {
  const token = nonEmpty(env.BERTH_HDFS_DELEGATION_TOKEN);
  if (token !== undefined) return new DelegationTokenAuth(token);
  const user = nonEmpty(env.BERTH_HDFS_USER) ?? nonEmpty(env.HADOOP_USER_NAME) ?? osUser();
  const doAs = nonEmpty(env.BERTH_HDFS_DOAS);
  return new SimpleAuth(user, doAs);
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch (error) {
    // No passwd entry (a container running as an arbitrary uid): say how to name one.
    throw new BerthError(
      'BAD_SERVER_CONFIG',
      'cannot tell the HDFS user: the OS user has no name here; set BERTH_HDFS_USER (or HADOOP_USER_NAME)',
      { cause: error },
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
