/**
 * `s3://bucket/prefix` URIs: which bucket, which key prefix, and how store paths become object keys.
 * S3 has no folders; a "folder" is the key prefix `<path>/` shared by the objects under it.
 */
import { BerthError } from '../../../core/errors.js';

/** Where a store lives in S3: a bucket and a key prefix ('' for the whole bucket). */
export interface S3Location {
  readonly bucket: string;
  /** Key prefix without leading or trailing '/', '' for the bucket root. */
  readonly prefix: string;
  /** `s3://bucket[/prefix]`, the store's normalised URI. */
  readonly uri: string;
}

/**
 * Bucket names as S3 and S3-compatible servers accept them: AWS's rules (3–63 lower-case letters,
 * digits, '.', '-') widened to the legacy upper-case and '_' some servers still allow.
 */
const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

/** Reads `s3://bucket[/prefix]`; throws UNSUPPORTED_STORE_URI for anything else. */
export function parseS3Uri(url: URL): S3Location {
  const bad = (why: string): never => {
    throw new BerthError('UNSUPPORTED_STORE_URI', `${url.href}: ${why}`);
  };
  if (url.protocol !== 's3:') bad('the s3 store takes s3: URIs only');
  // Keys never travel in the URI: the SDK's credential chain finds them (env, profile, role).
  if (url.username !== '' || url.password !== '')
    bad('put no credentials in an s3 URI; use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE');
  if (url.port !== '') bad('an s3 URI names a bucket, not a server; set the endpoint with BERTH_S3_ENDPOINT');
  if (url.search !== '' || url.hash !== '') bad('an s3 store URI takes no query or fragment');
  const bucket = url.hostname;
  if (bucket === '') bad('expected s3://<bucket>[/<prefix>], the bucket is missing');
  if (!BUCKET_NAME.test(bucket)) bad(`${JSON.stringify(bucket)} is not a valid bucket name`);
  let segments: string[];
  try {
    // Decoded before splitting, so an encoded '/' (%2F) cannot smuggle a '..' segment past the check.
    segments = decodeURIComponent(url.pathname)
      .split('/')
      .filter((segment) => segment.length > 0);
  } catch (error) {
    throw new BerthError('UNSUPPORTED_STORE_URI', `${url.href}: bad percent-encoding in the prefix`, {
      cause: error,
    });
  }
  if (segments.some((segment) => segment === '.' || segment === '..'))
    bad('the prefix must not contain "." or ".." segments');
  const prefix = segments.join('/');
  const encoded = segments.map(encodeURIComponent).join('/');
  return { bucket, prefix, uri: prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${encoded}` };
}

/** The object key of a store path (already checked by checkStorePath); '' is the prefix itself. */
export function objectKey(location: S3Location, path: string): string {
  if (location.prefix === '') return path;
  return path === '' ? location.prefix : `${location.prefix}/${path}`;
}

/** The key prefix of a store folder: its key plus '/', or '' for the root of a whole bucket. */
export function folderPrefix(location: S3Location, path: string): string {
  const key = objectKey(location, path);
  return key === '' ? '' : `${key}/`;
}
