/**
 * S3 client settings from the environment, resolved once per store and pure (unit-tested on plain
 * objects). Names follow the AWS SDKs' shared configuration where one exists (AWS_ENDPOINT_URL_S3,
 * AWS_REGION, AWS_MAX_ATTEMPTS...), plus Berth's own BERTH_S3_* for what the SDKs leave out.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { BerthError } from '../../../core/errors.js';

/** Region for S3-compatible servers, which mostly ignore it but need one to sign requests. */
export const DEFAULT_COMPATIBLE_REGION = 'us-east-1';

/** Default bound on each wait for the server, when StoreSettings.requestTimeoutMs is not set. */
export const DEFAULT_S3_TIMEOUT_MS = 30_000;

/** Where the settings came from, for messages that tell the user which variable to fix. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What Berth decides about the client; the rest is the SDK's defaults and credential chain. */
export interface S3Settings {
  /** Endpoint override (S3-compatible servers, local testing); undefined: AWS S3 itself. */
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  /** undefined: the SDK's own region chain (shared config file, instance metadata). */
  readonly region?: string;
  /** Static keys found in the given env; undefined: the SDK's default credential chain. */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** undefined: the SDK's default (3, standard retry mode). */
  readonly maxAttempts?: number;
  readonly requestTimeoutMs: number;
}

/**
 * Resolves the settings, highest precedence first:
 * - endpoint: BERTH_S3_ENDPOINT, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL;
 * - path-style: BERTH_S3_FORCE_PATH_STYLE, else on whenever an endpoint is set (most S3-compatible
 *   servers have no wildcard DNS for virtual-hosted buckets);
 * - region: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1 with an endpoint, else the SDK's chain;
 * - credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) in `env`, else the
 *   SDK's default chain (profile, SSO, web identity, container and instance roles).
 * Throws BAD_SERVER_CONFIG naming the variable for a malformed value.
 */
export function resolveS3Settings(env: Env, requestTimeoutMs = DEFAULT_S3_TIMEOUT_MS): S3Settings {
  const endpoint = pickEndpoint(env);
  const pathStyle = parseBoolean(env, 'BERTH_S3_FORCE_PATH_STYLE');
  const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION);
  const accessKeyId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = nonEmpty(env.AWS_SESSION_TOKEN);
  const maxAttempts = parsePositiveInteger(env, 'AWS_MAX_ATTEMPTS');
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: pathStyle ?? endpoint !== undefined,
    ...(region !== undefined
      ? { region }
      : endpoint !== undefined
        ? { region: DEFAULT_COMPATIBLE_REGION }
        : {}),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    requestTimeoutMs,
  };
}

/** The SDK client configuration for these settings. */
export function toClientConfig(settings: S3Settings): S3ClientConfig {
  return {
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
    // A bucket in another region answers 301; follow it rather than fail when the region is a guess.
    followRegionRedirects: true,
    // Since SDK 3.729 every request carries CRC checksums by default, which many S3-compatible
    // servers reject or mis-handle. Only send/verify them where the API requires; MANIFEST.json's
    // sha256 is what vouches for a download end to end.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Both bound one wait (connect; then socket idle), not a whole transfer.
    requestHandler: {
      connectionTimeout: settings.requestTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
    },
  };
}

function pickEndpoint(env: Env): string | undefined {
  for (const name of ['BERTH_S3_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'] as const) {
    const value = nonEmpty(env[name]);
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return badValue(name, value, 'an http:// or https:// URL');
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
      return badValue(name, value, 'an http:// or https:// URL without query or fragment');
    }
    return value.replace(/\/+$/, '');
  }
  return undefined;
}

function parseBoolean(env: Env, name: string): boolean | undefined {
  const value = nonEmpty(env[name])?.toLowerCase();
  if (value === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return badValue(name, env[name] ?? '', 'true or false');
}

function parsePositiveInteger(env: Env, name: string): number | undefined {
  const value = nonEmpty(env[name]);
  if (value === undefined) return undefined;
  const number = Number(value);
  return /^[1-9][0-9]*$/.test(value) && Number.isSafeInteger(number)
    ? number
    : badValue(name, value, 'a positive integer');
}

function badValue(name: string, value: string, expected: string): never {
  throw new BerthError('BAD_SERVER_CONFIG', `${name}=${JSON.stringify(value)}: expected ${expected}`);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
