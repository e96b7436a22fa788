/** Turns what @kubernetes/client-node throws into the KUBE_* BerthErrors, quoting the server. */
import { BerthError, type ErrorId } from '../core/errors.js';

interface ServerStatus {
  message?: string;
  reason?: string;
}

// client-node's ApiException carries the HTTP code and the body: the server's Status as JSON text.
function serverStatus(body: unknown): ServerStatus {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as ServerStatus;
    } catch {
      return { message: body.slice(0, 500) };
    }
  }
  return typeof body === 'object' && body !== null ? (body as ServerStatus) : {};
}

/** A network failure (refused, DNS, TLS, reset) rather than an answer from the server. */
function networkCause(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code))
      return code;
    if ((current as { type?: unknown }).type === 'system') return String(code ?? 'network error');
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The BerthError for a failed call; `what` is "apply Deployment ml/x", `server` the URL. */
export function kubeError(error: unknown, what: string, server: string): BerthError {
  if (error instanceof BerthError) return error;
  const status = (error as { code?: unknown }).code;
  if (typeof status === 'number') {
    const body = serverStatus((error as { body?: unknown }).body);
    const said = shorten(body.message ?? body.reason ?? (error as Error).message);
    const id: ErrorId =
      status === 401 || status === 403
        ? 'KUBE_FORBIDDEN'
        : status === 400 || status === 422
          ? 'KUBE_INVALID_OBJECT'
          : 'KUBE_API_ERROR';
    return new BerthError(id, `${what}: the API server at ${server} answered ${status}: ${said}`, {
      cause: error,
    });
  }
  const message = (error as Error).message ?? String(error);
  // Discovery answers "Unrecognized API version and kind" when the server has no such resource.
  if (/unrecognized api version and kind/i.test(message)) {
    return new BerthError('KUBE_INVALID_OBJECT', `${what}: ${message} on ${server}`, { cause: error });
  }
  const cause = networkCause(error);
  return new BerthError(
    'KUBE_UNREACHABLE',
    `${what}: cannot reach the API server at ${server}${cause !== undefined ? ` (${cause})` : ''}: ${message}`,
    { cause: error },
  );
}

// A rejected pod template is quoted whole by the server (kilobytes of Go structs); its start
// names the field and its end says why ("field is immutable"), so keep both.
function shorten(message: string): string {
  return message.length <= 800 ? message : `${message.slice(0, 400)} … ${message.slice(-300)}`;
}
