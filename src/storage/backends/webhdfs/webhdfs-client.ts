/**
 * WebHDFS operations as HTTP exchanges: the NameNode request (signed by the auth seam, sent with
 * failover across HA NameNodes), the 307 redirect to a DataNode, and error bodies mapped onto
 * store errors. Query parameter names are lower case: Hadoop 3.5 matches them case-sensitively
 * and ignores `startAfter` or `renameOptions` (scripts/services.md); 3.4 and older accept both.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../../core/clock.js';
import { BerthError } from '../../../core/errors.js';
import { readHadoopConf } from './hadoop-conf.js';
import type { HadoopConf } from './hadoop-conf.js';
import { failoverAlways, failoverIdempotent, NameNodeFailover } from './namenode-failover.js';
import type { WebHdfsAuth } from './webhdfs-auth.js';
import { resolveNameNodes } from './webhdfs-config.js';
import type { NameNodeAddresses, WebHdfsSettings } from './webhdfs-config.js';
import { parseRemoteException, remoteError, StandbyError, statusError } from './webhdfs-errors.js';
import type { RemoteException } from './webhdfs-errors.js';
import { readText, release, send } from './webhdfs-http.js';
import type { HttpAnswer, HttpExchange } from './webhdfs-http.js';
import type { HdfsLocation } from './webhdfs-uri.js';
import { webHdfsUrlPath } from './webhdfs-uri.js';

/** One NameNode operation on an absolute HDFS path. */
export interface NameNodeCall {
  readonly op: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Absolute HDFS path. */
  readonly path: string;
  /** Extra query parameters (lower-case names). */
  readonly params?: Readonly<Record<string, string | number | boolean>>;
  /** The hdfs:// URI named in errors. */
  readonly where: string;
  readonly signal?: AbortSignal;
}

/** A non-2xx/3xx answer, before it is mapped: lets callers react to specific exceptions. */
export class WebHdfsFailure extends Error {
  constructor(
    readonly status: number,
    readonly remote: RemoteException | undefined,
    readonly mapped: BerthError,
  ) {
    super(mapped.message, { cause: mapped });
  }
}

/** Settings of one client; `settings` gives the NameNode addresses and HADOOP_CONF_DIR. */
export interface WebHdfsClientOptions {
  readonly location: HdfsLocation;
  readonly auth: WebHdfsAuth;
  readonly settings: WebHdfsSettings;
  readonly timeoutMs: number;
  /** Runs the request timeouts. */
  readonly clock: Clock;
}

/** Talks WebHDFS for one store; resolves its NameNode addresses on first use. */
export class WebHdfsClient {
  readonly #options: WebHdfsClientOptions;
  #failover: Promise<{ failover: NameNodeFailover; addresses: NameNodeAddresses }> | undefined;

  constructor(options: WebHdfsClientOptions) {
    this.#options = options;
  }

  /** The NameNode addresses in use and where they came from (resolved once, lazily). */
  async addresses(): Promise<NameNodeAddresses> {
    return (await this.#resolve()).addresses;
  }

  /**
   * Sends a NameNode operation and returns its answer when it is not an error (2xx, or the 307 of
   * OPEN and CREATE). Reads fail over on any unreachable NameNode; writes only when the request
   * was not run (standby, not connected). An error answer throws the mapped BerthError, or a
   * WebHdfsFailure carrying the RemoteException when `raw` is set.
   */
  async call(call: NameNodeCall, raw = false): Promise<HttpAnswer> {
    const { failover } = await this.#resolve();
    const rule = call.method === 'GET' ? failoverIdempotent : failoverAlways;
    try {
      return await failover.run(call.where, rule, async (base) => {
        const url = new URL(`${base}${webHdfsUrlPath(call.path)}`);
        url.searchParams.set('op', call.op);
        for (const [name, value] of Object.entries(call.params ?? {}))
          url.searchParams.set(name, String(value));
        const headers: Record<string, string> = {};
        await this.#options.auth.sign(url, headers);
        const exchange = this.#exchange(
          call.method,
          url,
          headers,
          call.where,
          `the NameNode ${base}`,
          call.signal,
        );
        return this.#check(await send(exchange));
      });
    } catch (error) {
      if (error instanceof WebHdfsFailure && !raw) throw error.mapped;
      throw error;
    }
  }

  /** A NameNode operation whose answer is JSON (GETFILESTATUS, LISTSTATUS, MKDIRS, DELETE...). */
  async json(call: NameNodeCall, raw = false): Promise<unknown> {
    const answer = await this.call(call, raw);
    const text = await readText(answer);
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new BerthError('STORE_ERROR', `${call.where}: the NameNode sent invalid JSON for ${call.op}`, {
        cause: error,
      });
    }
  }

  /**
   * Follows a 307 to the DataNode (OPEN, CREATE step 2) and returns its 2xx answer; an error
   * answer throws WebHdfsFailure (raw) or the mapped BerthError. DataNode requests are not signed:
   * the NameNode put the identity (or token) into the Location it gave.
   */
  async dataNode(
    answer: HttpAnswer,
    request: { method: 'GET' | 'PUT'; where: string; signal?: AbortSignal; body?: Readable | Uint8Array },
    raw = false,
  ): Promise<HttpAnswer> {
    const location = answer.headers.location;
    release(answer);
    let url: URL;
    try {
      url = new URL(location ?? '');
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(url.protocol);
    } catch (error) {
      throw new BerthError(
        'STORE_ERROR',
        `${request.where}: the NameNode redirected to ${JSON.stringify(location)}, not an http(s) URL`,
        { cause: error },
      );
    }
    const headers: Record<string, string> =
      request.body === undefined ? {} : { 'content-type': 'application/octet-stream' };
    const server = `the DataNode ${url.protocol}//${url.host}`;
    const exchange = this.#exchange(request.method, url, headers, request.where, server, request.signal);
    const withBody = request.body === undefined ? exchange : { ...exchange, body: request.body };
    try {
      return await this.#check(await send(withBody));
    } catch (error) {
      if (error instanceof WebHdfsFailure && !raw) throw error.mapped;
      throw error;
    }
  }

  /**
   * Passes 1xx-3xx answers; reads an error answer's body and throws WebHdfsFailure, or the
   * StandbyError itself, which the failover loop acts on.
   */
  async #check(answer: HttpAnswer): Promise<HttpAnswer> {
    if (answer.status < 400) return answer;
    const body = await readText(answer).catch(() => '');
    const remote = parseRemoteException(body);
    const context = { where: answer.exchange.where, identity: this.#options.auth.description };
    const mapped =
      remote === undefined
        ? statusError(answer.status, body, context)
        : remoteError(remote, answer.status, context);
    if (mapped instanceof StandbyError) throw mapped;
    throw new WebHdfsFailure(answer.status, remote, mapped);
  }

  #exchange(
    method: HttpExchange['method'],
    url: URL,
    headers: Record<string, string>,
    where: string,
    server: string,
    signal: AbortSignal | undefined,
  ): HttpExchange {
    return {
      method,
      url,
      headers: { accept: 'application/json', ...headers },
      timeoutMs: this.#options.timeoutMs,
      clock: this.#options.clock,
      where,
      server,
      ...(signal === undefined ? {} : { signal }),
    };
  }

  #resolve(): Promise<{ failover: NameNodeFailover; addresses: NameNodeAddresses }> {
    this.#failover ??= (async () => {
      const { location, settings } = this.#options;
      const confDir = settings.hadoopConfDir;
      // The files are read only when they can matter: not for webhdfs://host:port, nor when
      // BERTH_WEBHDFS_ADDRESS names the NameNodes.
      const needsConf =
        confDir !== undefined &&
        confDir !== '' &&
        (location.scheme === 'hdfs' ? !settings.addresses?.length : location.port === undefined);
      const conf: HadoopConf | undefined = needsConf ? await readHadoopConf(confDir) : undefined;
      const addresses = resolveNameNodes(location, settings, conf);
      return { failover: new NameNodeFailover(addresses.urls), addresses };
    })();
    return this.#failover;
  }
}
