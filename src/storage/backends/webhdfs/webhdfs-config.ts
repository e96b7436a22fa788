/**
 * Which NameNode HTTP addresses serve WebHDFS for a store URI. Highest precedence first:
 *
 * 1. `webhdfs://host:port` / `swebhdfs://host:port` name the address themselves (default ports
 *    9870 / 9871, Hadoop 3's dfs.namenode.http(s)-address defaults);
 * 2. `BERTH_WEBHDFS_ADDRESS`: `host:port`, or a comma-separated list for HA, each optionally
 *    `http://` or `https://` (applies to hdfs:// URIs);
 * 3. the Hadoop configuration in `HADOOP_CONF_DIR` (core-site.xml, hdfs-site.xml), as Hadoop's
 *    clients read it: an HA nameservice (dfs.nameservices, dfs.ha.namenodes.<ns>,
 *    dfs.namenode.http-address.<ns>.<nn>), else dfs.namenode.http-address; dfs.http.policy
 *    HTTPS_ONLY switches to the https-address keys;
 * 4. the URI's host with port 9870.
 *
 * Pure, so every rule is unit-tested on plain objects; reading the files is the caller's job.
 */
import { BerthError } from '../../../core/errors.js';
import type { HadoopConf } from './hadoop-conf.js';
import { identityFromEnv, type WebHdfsIdentity } from './webhdfs-auth.js';
import type { HdfsLocation } from './webhdfs-uri.js';

/** Hadoop 3's default dfs.namenode.http-address port (DFSConfigKeys). */
export const DEFAULT_HTTP_PORT = 9870;
/** Hadoop 3's default dfs.namenode.https-address port. */
export const DEFAULT_HTTPS_PORT = 9871;

/** The environment variable that names the WebHDFS address(es) for hdfs:// URIs. */
export const ADDRESS_ENV = 'BERTH_WEBHDFS_ADDRESS';

/** The NameNodes to try, in order, and where that list came from (for error messages). */
export interface NameNodeAddresses {
  /** Base URLs without a trailing '/', e.g. `http://nn1.example:9870`. */
  readonly urls: readonly string[];
  /** e.g. "BERTH_WEBHDFS_ADDRESS", "HADOOP_CONF_DIR (dfs.namenode.http-address.prod.*)". */
  readonly source: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** What the WebHDFS backend is told: where the NameNodes are, and who to be. */
export interface WebHdfsSettings {
  /** NameNode base URLs for hdfs:// URIs, from ADDRESS_ENV (parsed by parseAddressList). */
  readonly addresses?: readonly string[];
  /** Folder of core-site.xml and hdfs-site.xml (HADOOP_CONF_DIR), read on a store's first use. */
  readonly hadoopConfDir?: string;
  readonly identity?: WebHdfsIdentity;
}

/**
 * The settings in `env`: ADDRESS_ENV, HADOOP_CONF_DIR and the identity (identityFromEnv).
 * Throws BAD_SERVER_CONFIG naming ADDRESS_ENV for a malformed address list.
 */
export function webHdfsSettingsFromEnv(env: Env): WebHdfsSettings {
  const listed = env[ADDRESS_ENV]?.trim();
  const confDir = env.HADOOP_CONF_DIR?.trim();
  return {
    ...(listed ? { addresses: parseAddressList(listed) } : {}),
    ...(confDir ? { hadoopConfDir: confDir } : {}),
    identity: identityFromEnv(env),
  };
}

/**
 * The WebHDFS addresses for `location`. `conf` is the parsed HADOOP_CONF_DIR (undefined when none
 * is set). Throws BAD_SERVER_CONFIG naming the key for a malformed value, and
 * UNSUPPORTED_STORE_URI for `hdfs:///path` with no default file system configured.
 */
export function resolveNameNodes(
  location: HdfsLocation,
  settings: Pick<WebHdfsSettings, 'addresses'>,
  conf?: HadoopConf,
): NameNodeAddresses {
  if (location.scheme !== 'hdfs') {
    const secure = location.scheme === 'swebhdfs';
    const ha =
      location.port === undefined && conf !== undefined ? haAddresses(location.host, conf, secure) : [];
    if (ha.length > 0) return { urls: ha, source: `HADOOP_CONF_DIR (HA nameservice ${location.host})` };
    const port = location.port ?? (secure ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT);
    return { urls: [baseUrl(secure, location.host, port)], source: location.scheme };
  }
  const listed = settings.addresses;
  if (listed !== undefined && listed.length > 0) return { urls: [...listed], source: ADDRESS_ENV };
  const host = location.host || defaultFsHost(location, conf);
  if (conf !== undefined) {
    const secure = conf.get('dfs.http.policy')?.toUpperCase() === 'HTTPS_ONLY';
    const ha = haAddresses(host, conf, secure);
    if (ha.length > 0) return { urls: ha, source: `HADOOP_CONF_DIR (HA nameservice ${host})` };
    const single = singleAddress(host, conf, secure);
    if (single !== undefined) return single;
  }
  return { urls: [baseUrl(false, host, DEFAULT_HTTP_PORT)], source: `the default port ${DEFAULT_HTTP_PORT}` };
}

/**
 * `host:port[,host:port...]`, each optionally with `http://` or `https://`; a missing port is
 * 9870 (9871 for https). Throws BAD_SERVER_CONFIG naming ADDRESS_ENV.
 */
export function parseAddressList(value: string, name = ADDRESS_ENV): string[] {
  const expected = 'host:port or http(s)://host:port, comma-separated';
  const urls = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(item)?.[1]?.toLowerCase();
      if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
        return badValue(name, value, expected);
      const secure = scheme === 'https';
      const rest = scheme === undefined ? item : item.slice(scheme.length + 3).replace(/\/$/, '');
      const [host, port] = splitHostPort(rest, secure) ?? badValue(name, value, expected);
      return baseUrl(secure, host, port);
    });
  if (urls.length === 0) return badValue(name, value, 'at least one host:port');
  return urls;
}

/** The NameNodes of an HA nameservice, in the order dfs.ha.namenodes.<ns> lists them; [] if not one. */
function haAddresses(nameservice: string, conf: HadoopConf, secure: boolean): string[] {
  if (nameservice === '') return [];
  const services = list(conf.get('dfs.nameservices') ?? conf.get('dfs.internal.nameservices'));
  const key = services.find((service) => service.toLowerCase() === nameservice);
  const ids = key === undefined ? [] : list(conf.get(`dfs.ha.namenodes.${key}`));
  const prefix = secure ? 'dfs.namenode.https-address' : 'dfs.namenode.http-address';
  return ids.map((id) => {
    const name = `${prefix}.${key}.${id}`;
    const value = conf.get(name);
    if (value === undefined || value === '')
      throw new BerthError(
        'BAD_SERVER_CONFIG',
        `HADOOP_CONF_DIR: ${name} is not set, but dfs.ha.namenodes.${key} lists NameNode ${id}`,
      );
    const [host, port] = confHostPort(value, name, secure);
    return baseUrl(secure, host, port);
  });
}

/**
 * A single NameNode's http-address, when the configuration describes the NameNode the URI names:
 * a wildcard host (0.0.0.0) means "the URI's host"; a named host is used when the URI's host is
 * the configured RPC host (fs.defaultFS or dfs.namenode.rpc-address), else only its port is.
 */
function singleAddress(host: string, conf: HadoopConf, secure: boolean): NameNodeAddresses | undefined {
  const name = secure ? 'dfs.namenode.https-address' : 'dfs.namenode.http-address';
  const value = conf.get(name);
  if (value === undefined || value === '') {
    if (!secure) return undefined;
    return { urls: [baseUrl(true, host, DEFAULT_HTTPS_PORT)], source: 'HADOOP_CONF_DIR (dfs.http.policy)' };
  }
  const [configured, port] = confHostPort(value, name, secure);
  const wildcard = configured === '0.0.0.0' || configured === '[::]';
  const sameNameNode = rpcHosts(conf).includes(host);
  return {
    urls: [baseUrl(secure, wildcard || !sameNameNode ? host : configured, port)],
    source: `HADOOP_CONF_DIR (${name})`,
  };
}

/** Hosts the configuration names as its NameNode's RPC address. */
function rpcHosts(conf: HadoopConf): string[] {
  const hosts: string[] = [];
  const rpc = conf.get('dfs.namenode.rpc-address');
  if (rpc) hosts.push(rpc.split(':')[0]?.toLowerCase() ?? '');
  const fs = conf.get('fs.defaultFS') ?? conf.get('fs.default.name');
  if (fs) {
    try {
      hosts.push(new URL(fs).hostname.toLowerCase());
    } catch {
      // a malformed fs.defaultFS only matters for hdfs:/// URIs, where it is reported
    }
  }
  return hosts;
}

/** The host of fs.defaultFS, for `hdfs:///path` URIs. */
function defaultFsHost(location: HdfsLocation, conf: HadoopConf | undefined): string {
  const value = conf?.get('fs.defaultFS') ?? conf?.get('fs.default.name');
  let host = '';
  try {
    const url = value === undefined ? undefined : new URL(value);
    host = url?.protocol === 'hdfs:' ? url.hostname.toLowerCase() : '';
  } catch {
    host = '';
  }
  if (host !== '') return host;
  throw new BerthError(
    'UNSUPPORTED_STORE_URI',
    `${location.uri}: no NameNode in the URI, and no hdfs:// fs.defaultFS in HADOOP_CONF_DIR; ` +
      `write hdfs://<namenode>:8020/<path>, or set ${ADDRESS_ENV} or HADOOP_CONF_DIR`,
  );
}

/** `host[:port]` or `[v6]:port`; undefined when malformed. A missing port is the default one. */
function splitHostPort(value: string, secure: boolean): [string, number] | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:/[\]@]+)(?::(\d{1,5}))?$/i.exec(value.trim());
  if (match === null) return undefined;
  const port = match[2] === undefined ? (secure ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT) : Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return [(match[1] as string).toLowerCase(), port];
}

/** splitHostPort for a configuration key, throwing BAD_SERVER_CONFIG naming it. */
function confHostPort(value: string, name: string, secure: boolean): [string, number] {
  return splitHostPort(value, secure) ?? badValue(`HADOOP_CONF_DIR: ${name}`, value, 'host:port');
}

function baseUrl(secure: boolean, host: string, port: number): string {
  return `${secure ? 'https' : 'http'}://${host}:${port}`;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function badValue(name: string, value: string, expected: string): never {
  throw new BerthError('BAD_SERVER_CONFIG', `${name}=${JSON.stringify(value)}: expected ${expected}`);
}
