/**
 * A presigned S3 GET URL (AWS Signature Version 4, query-string authentication: "Authenticating
 * Requests: Using Query Parameters", Amazon S3 API Reference), written out because
 * @aws-sdk/s3-request-presigner is not a dependency. The raw floor then is a plain HTTP GET of this
 * URL, with no SDK between the socket and /dev/null; curl can fetch the same URL.
 */
import { createHash, createHmac } from 'node:crypto';

/** What the URL is for and who signs it. */
export interface PresignRequest {
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Seconds the URL stays valid (X-Amz-Expires, at most 604800). */
  readonly expiresSeconds: number;
  readonly now?: Date;
}

/** A path-style presigned GET URL; only `host` is signed, so a Range header may be added freely. */
export function presignGet(request: PresignRequest): string {
  const url = new URL(request.endpoint);
  const now = request.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, ''); // YYYYMMDDTHHMMSSZ
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const path = `/${uriEncode(request.bucket)}/${request.key.split('/').map(uriEncode).join('/')}`;
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${request.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(request.expiresSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = query
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`)
    .sort()
    .join('&');
  // Step 1, the canonical request; a presigned URL's payload is UNSIGNED-PAYLOAD.
  const canonical = ['GET', path, canonicalQuery, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join(
    '\n',
  );
  // Step 2, the string to sign; step 3, the signing key; step 4, the signature.
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  let key: Buffer = hmac(`AWS4${request.secretAccessKey}`, day);
  for (const part of [request.region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `${url.origin}${path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/** RFC 3986 unreserved characters stay; everything else is %XX (SigV4's UriEncode). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}
