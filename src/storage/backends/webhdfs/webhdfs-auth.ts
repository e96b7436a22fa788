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

/** Who to be to the NameNode, as settings; nothing set means simple auth as the OS user. */
export interface WebHdfsIdentity {
  /** Wins over the user: a token carries its own identity. */
  readonly delegationToken?: string;
  readonly user?: string;
  /** Proxy user (`doas`) for simple auth. */
  readonly doAs?: string;
}

/**
 * The identity the environment asks for: BERTH_HDFS_DELEGATION_TOKEN; the user from
 * BERTH_HDFS_USER, else HADOOP_USER_NAME (what Hadoop's own clients read); BERTH_HDFS_DOAS.
 */
export function identityFromEnv(env: Env): WebHdfsIdentity {
  const delegationToken = nonEmpty(env.BERTH_HDFS_DELEGATION_TOKEN);
  const user = nonEmpty(env.BERTH_HDFS_USER) ?? nonEmpty(env.HADOOP_USER_NAME);
  const doAs = nonEmpty(env.BERTH_HDFS_DOAS);
  return {
    ...(delegationToken === undefined ? {} : { delegationToken }),
    ...(user === undefined ? {} : { user }),
    ...(doAs === undefined ? {} : { doAs }),
  };
}

/**
 * The auth for an identity: its delegation token when set; else simple auth as its user, else
 * the OS user (looked up here, when an HDFS store is opened), with its proxy user when set.
 */
export function createAuth(identity: WebHdfsIdentity = {}): WebHdfsAuth {
  if (identity.delegationToken !== undefined) return new DelegationTokenAuth(identity.delegationToken);
  return new SimpleAuth(identity.user ?? osUser(), identity.doAs);
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
