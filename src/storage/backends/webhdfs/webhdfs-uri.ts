/**
 * Store URIs for HDFS, as users write them: `hdfs://namenode:8020/models` (the RPC address, or an
 * HA nameservice such as `hdfs://prod/models`; the WebHDFS HTTP address is looked up, see
 * webhdfs-config.ts), `webhdfs://namenode:9870/models` (the HTTP address itself) and
 * `swebhdfs://namenode:9871/models` (the same over TLS), as Hadoop's FileSystem schemes name them.
 */
import { BerthError } from '../../../core/errors.js';

/** The schemes this backend takes, without the colon. */
export const HDFS_SCHEMES = ['hdfs', 'webhdfs', 'swebhdfs'] as const;
export type HdfsScheme = (typeof HDFS_SCHEMES)[number];

/** Where a store lives in HDFS. */
export interface HdfsLocation {
  readonly scheme: HdfsScheme;
  /** Host name or nameservice as written (lower case; '' for `hdfs:///path`, the default FS). */
  readonly host: string;
  /** The port as written, or undefined. */
  readonly port: number | undefined;
  /** Absolute HDFS path of the store root, no trailing '/': '/models', or '/' for the root. */
  readonly root: string;
  /** The store's normalised URI: scheme, authority and percent-encoded root, no trailing '/'. */
  readonly uri: string;
}

/** Reads an hdfs:, webhdfs: or swebhdfs: URL; throws UNSUPPORTED_STORE_URI naming what is wrong. */
export function parseHdfsUri(url: URL): HdfsLocation {
  const bad = (why: string): never => {
    throw new BerthError('UNSUPPORTED_STORE_URI', `${url.href}: ${why}`);
  };
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!isHdfsScheme(scheme)) return bad('the HDFS store takes hdfs:, webhdfs: or swebhdfs: URIs only');
  if (url.username !== '' || url.password !== '')
    bad('put no user in an HDFS URI; set BERTH_HDFS_USER (or HADOOP_USER_NAME)');
  if (url.search !== '' || url.hash !== '') bad('an HDFS store URI takes no query or fragment');
  if (url.hostname === '' && scheme !== 'hdfs')
    bad(`expected ${scheme}://<namenode>:<http port>/<path>, the host is missing`);
  let segments: string[];
  try {
    segments = url.pathname
      .split('/')
      .filter((segment) => segment.length > 0)
      .map(decodeURIComponent);
  } catch (error) {
    throw new BerthError('UNSUPPORTED_STORE_URI', `${url.href}: bad percent-encoding in the path`, {
      cause: error,
    });
  }
  if (segments.some((segment) => segment === '.' || segment === '..'))
    bad('the path must not contain "." or ".." segments');
  const port = url.port === '' ? undefined : Number(url.port);
  const host = url.hostname.toLowerCase(); // host names are case-insensitive (RFC 3986 §3.2.2)
  const authority = `${host}${port === undefined ? '' : `:${port}`}`;
  const encoded = segments.map(encodeURIComponent).join('/');
  return {
    scheme,
    host,
    port,
    root: `/${segments.join('/')}`,
    uri: `${scheme}://${authority}${encoded === '' ? '' : `/${encoded}`}`,
  };
}

/**
 * The absolute HDFS path of a store path (already checked by checkStorePath): the root joined
 * with it, for WebHDFS URLs (`/webhdfs/v1<path>`).
 */
export function hdfsPath(location: HdfsLocation, path: string): string {
  if (path === '') return location.root;
  return location.root === '/' ? `/${path}` : `${location.root}/${path}`;
}

/** The path part of a WebHDFS URL for an absolute HDFS path, each segment percent-encoded. */
export function webHdfsUrlPath(absolute: string): string {
  return `/webhdfs/v1${absolute.split('/').map(encodeURIComponent).join('/')}`;
}

function isHdfsScheme(scheme: string): scheme is HdfsScheme {
  return (HDFS_SCHEMES as readonly string[]).includes(scheme);
}
