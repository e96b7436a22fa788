/**
 * The one error type of Berth. Every failure a user can see carries a stable id (BERTH_ERR_*) that
 * they can search for, and a code from a closed set that each transport maps to its own status in
 * one place (http/error-status.ts, later grpc). The table below is the documentation: docs/errors.md
 * is generated from it and CI checks that the two do not differ.
 */

/** The closed set of codes, after gRPC's canonical codes (as Triton and KServe use them). */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'INTERNAL';

interface ErrorKind {
  readonly code: ErrorCode;
  readonly summary: string;
}

/** Every error id Berth raises, with its code and a one-line explanation for docs/errors.md. */
export const ERROR_KINDS = {
  MALFORMED_JSON: { code: 'INVALID_ARGUMENT', summary: 'The request body is not valid JSON.' },
  BODY_TOO_LARGE: {
    code: 'RESOURCE_EXHAUSTED',
    summary: 'The request body is larger than the server accepts (`body_limit`, `--body-limit`).',
  },
  INVALID_REQUEST: {
    code: 'INVALID_ARGUMENT',
    summary: 'A field of the request has the wrong type or is missing; the message names it.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    code: 'INVALID_ARGUMENT',
    summary: 'The request Content-Type is not one the endpoint reads.',
  },
  MISSING_INPUT: { code: 'INVALID_ARGUMENT', summary: 'An input the model needs was not sent.' },
  UNKNOWN_INPUT: { code: 'INVALID_ARGUMENT', summary: 'An input was sent that the model does not have.' },
  UNKNOWN_OUTPUT: {
    code: 'INVALID_ARGUMENT',
    summary: 'An output was requested that the model does not have.',
  },
  INPUT_DATATYPE: { code: 'INVALID_ARGUMENT', summary: "An input's datatype differs from the model's." },
  INPUT_SHAPE: {
    code: 'INVALID_ARGUMENT',
    summary: "An input's shape does not fit the model's, or its data length does not match its shape.",
  },
  INPUT_DATA: {
    code: 'INVALID_ARGUMENT',
    summary: "An input's data holds a value its datatype cannot represent.",
  },
  MODEL_NOT_FOUND: { code: 'NOT_FOUND', summary: 'No model of that name is configured on this server.' },
  VERSION_NOT_FOUND: { code: 'NOT_FOUND', summary: 'The model has no loaded version of that number.' },
  ROUTE_NOT_FOUND: { code: 'NOT_FOUND', summary: 'No endpoint at that path.' },
  METHOD_NOT_ALLOWED: {
    code: 'NOT_FOUND',
    summary:
      'The path exists but not with that method (HTTP 405; the Allow header lists the methods it takes).',
  },
  MODEL_LOAD_SUPERSEDED: {
    code: 'ABORTED',
    summary:
      'An unload of the same model arrived before this load finished (explicit mode): the unload wins; load again to serve it.',
  },
  MODEL_NOT_READY: {
    code: 'UNAVAILABLE',
    summary: 'The model version exists but is still loading, warming, failed or unloading.',
  },
  SHUTTING_DOWN: {
    code: 'UNAVAILABLE',
    summary: 'The server is draining after SIGTERM and takes no new requests.',
  },
  WORKER_UNAVAILABLE: {
    code: 'UNAVAILABLE',
    summary:
      'A serving worker process could not reach the primary, or another worker, to finish a cluster-wide step (a load, an unload, a metrics scrape); retry.',
  },
  WORKER_START_FAILED: {
    code: 'INTERNAL',
    summary:
      'A serving worker (`--workers`) exited before the server was ready; the message gives its exit code or signal and its last error.',
  },
  QUEUE_FULL: {
    code: 'UNAVAILABLE',
    summary:
      "The model's batching queue holds `max_queue_size` requests; retry after the Retry-After seconds.",
  },
  INFERENCE_FAILED: { code: 'INTERNAL', summary: 'The runtime failed while running the model.' },
  CANCELLED: { code: 'DEADLINE_EXCEEDED', summary: 'The request was cancelled or timed out before it ran.' },
  STORE_UNREACHABLE: {
    code: 'UNAVAILABLE',
    summary: 'The model store could not be reached (connection refused, DNS, timeout).',
  },
  STORE_NOT_FOUND: { code: 'NOT_FOUND', summary: 'A path does not exist in the model store.' },
  STORE_ALREADY_EXISTS: {
    code: 'ALREADY_EXISTS',
    summary: 'A path already exists in the model store and would be overwritten.',
  },
  STORE_READ_ONLY: { code: 'FAILED_PRECONDITION', summary: 'The store does not accept writes (http://).' },
  STORE_ERROR: { code: 'INTERNAL', summary: 'The model store answered with an unexpected error.' },
  UNSUPPORTED_STORE_URI: {
    code: 'INVALID_ARGUMENT',
    summary: 'The store URI has a scheme Berth has no backend for, or is malformed.',
  },
  NO_PUBLISHED_VERSION: {
    code: 'NOT_FOUND',
    summary: 'The model folder has no version with a MANIFEST.json (nothing is published).',
  },
  BAD_MANIFEST: { code: 'DATA_LOSS', summary: 'MANIFEST.json is missing a field or is not valid JSON.' },
  DIGEST_MISMATCH: {
    code: 'DATA_LOSS',
    summary: 'A downloaded file does not match the size or sha256 in MANIFEST.json; it is never used.',
  },
  BAD_MODEL_CONFIG: {
    code: 'INVALID_ARGUMENT',
    summary: 'berth.yaml is not valid; the message names the key.',
  },
  BAD_SERVER_CONFIG: {
    code: 'INVALID_ARGUMENT',
    summary: 'A server setting (flag, BERTH_* variable or config file) is not valid.',
  },
  MODEL_LOAD_FAILED: {
    code: 'FAILED_PRECONDITION',
    summary: 'The runtime could not load the model file (corrupt or unsupported graph).',
  },
  DEVICE_UNAVAILABLE: {
    code: 'FAILED_PRECONDITION',
    summary:
      '`--device cuda` was asked for but ONNX Runtime has no usable CUDA execution provider here; the message names what is missing.',
  },
  WARMUP_FAILED: {
    code: 'FAILED_PRECONDITION',
    summary: 'A warm-up request failed, so the model never became ready.',
  },
  SERVER_UNREACHABLE: {
    code: 'UNAVAILABLE',
    summary: '`berth predict` could not reach the server (connection refused, timeout).',
  },
  KUBE_UNREACHABLE: {
    code: 'UNAVAILABLE',
    summary:
      '`berth k8s` could not reach the Kubernetes API server, or found no usable kubeconfig (`--kubeconfig`, `KUBECONFIG`, `~/.kube/config`); the message names the server and the cause.',
  },
  KUBE_FORBIDDEN: {
    code: 'FAILED_PRECONDITION',
    summary:
      "The Kubernetes API server refused the credentials (401) or RBAC denied the request (403); the message names the verb, the object and the server's reason.",
  },
  KUBE_INVALID_OBJECT: {
    code: 'INVALID_ARGUMENT',
    summary:
      "The Kubernetes API server rejected an object (400, 422, or an unknown kind); the message names the object and quotes the server's message.",
  },
  KUBE_API_ERROR: {
    code: 'UNAVAILABLE',
    summary:
      'The Kubernetes API server answered a request with another error (a missing namespace, a conflict, a 5xx); the message names the object and quotes the server.',
  },
  KUBE_NAMESPACE_CONFLICT: {
    code: 'INVALID_ARGUMENT',
    summary: '`--namespace` differs from the namespace in the deployment spec; drop one of them.',
  },
  KUBE_ROLLOUT_FAILED: {
    code: 'FAILED_PRECONDITION',
    summary:
      '`berth k8s apply --wait` saw the rollout fail: a Deployment past its progress deadline (`ProgressDeadlineExceeded`) or a Job with the `Failed` condition; the message quotes the condition.',
  },
  KUBE_ROLLOUT_TIMEOUT: {
    code: 'DEADLINE_EXCEEDED',
    summary:
      '`berth k8s apply --wait` gave up after `--timeout` before the rollout was ready; the message says how many replicas (or Job pods) were ready.',
  },
  KUBE_DELETE_TIMEOUT: {
    code: 'DEADLINE_EXCEEDED',
    summary:
      '`berth k8s delete --wait` gave up after `--timeout` while objects still existed (finalizers, stuck garbage collection); the message names them.',
  },
  MODEL_CONTROL_DISABLED: {
    code: 'FAILED_PRECONDITION',
    summary:
      'Load and unload through the repository API need `--model-control-mode explicit`; the message names the mode in force.',
  },
  BATCH_JOB_INVALID: {
    code: 'INVALID_ARGUMENT',
    summary:
      'A `berth batch` flag does not fit the job or the model (columns, features, shard, thresholds); the message names it.',
  },
  TOO_MANY_REJECTS: {
    code: 'FAILED_PRECONDITION',
    summary:
      '`berth batch` rejected more rows than `--max-rejects` allows; the rows and reasons are in `_rejects/<part>.jsonl`.',
  },
  BATCH_OUTPUT_LOCKED: {
    code: 'FAILED_PRECONDITION',
    summary:
      'Another `berth batch` run holds the lock on this output and shard; it is taken over only once older than `--lock-ttl`.',
  },
  BATCH_INCOMPLETE: {
    code: 'FAILED_PRECONDITION',
    summary: '`berth batch --commit` found expected output parts missing, so `_SUCCESS` was not written.',
  },
  BAD_RECORD_FILE: {
    code: 'INVALID_ARGUMENT',
    summary:
      'A `berth batch` input file is not valid in its format (not Parquet, no CSV header); the message names the file.',
  },
  LOOKUP_INVALID: {
    code: 'INVALID_ARGUMENT',
    summary:
      '`berth lookup publish` cannot build a table from the source: unknown key column, a value column that is not numeric, or no rows; the message names the column.',
  },
  LOOKUP_DUPLICATE_KEY: {
    code: 'INVALID_ARGUMENT',
    summary:
      '`berth lookup publish` found a key twice in the source; the message names it. `--on-duplicate last` keeps the last row instead.',
  },
  LOOKUP_SOURCE_INCOMPLETE: {
    code: 'FAILED_PRECONDITION',
    summary:
      'The batch output given to `berth lookup publish` has no `_SUCCESS` marker; `--allow-incomplete` publishes what is there.',
  },
  DEPLOY_SPEC_INVALID: {
    code: 'INVALID_ARGUMENT',
    summary:
      'A `berth k8s` deployment spec (berth.deploy.yaml) has an unknown key, a wrong value, or not exactly one of model, train and batch; the message names the field.',
  },
  TRAIN_JOB_INVALID: {
    code: 'INVALID_ARGUMENT',
    summary:
      'A `berth train` job file or flag is not valid (unknown key, missing field, bad duration, a workdir not in the checkout); the message names the field.',
  },
  TRAIN_REF_NOT_FOUND: {
    code: 'NOT_FOUND',
    summary: 'The training repository has no branch, tag or commit of the `ref` given; nothing was run.',
  },
  TRAIN_REPO_UNREACHABLE: {
    code: 'UNAVAILABLE',
    summary:
      'The training repository could not be fetched (no such repository, connection refused, authentication needed); git never prompts.',
  },
  TRAIN_DATA_NOT_FOUND: {
    code: 'NOT_FOUND',
    summary: 'A `data` URI of a training job does not exist; the message names the data name and the URI.',
  },
  TRAIN_COMMAND_FAILED: {
    code: 'FAILED_PRECONDITION',
    summary:
      'The training command exited non-zero, was killed by a signal, or could not start; nothing was published. Its output is in `train.log`.',
  },
  TRAIN_TIMEOUT: {
    code: 'DEADLINE_EXCEEDED',
    summary:
      'The training command ran past the job `timeout`; its whole process group was stopped, nothing published.',
  },
  TRAIN_INTERRUPTED: {
    code: 'DEADLINE_EXCEEDED',
    summary:
      '`berth train` got SIGINT or SIGTERM; the training process group was stopped and nothing was published.',
  },
  TRAIN_NO_MODEL: {
    code: 'FAILED_PRECONDITION',
    summary: 'The training command succeeded but left no model file (`model.onnx`) in `BERTH_OUTPUT_DIR`.',
  },
  TRAIN_VERIFY_FAILED: {
    code: 'FAILED_PRECONDITION',
    summary:
      'The trained model did not load, failed its smoke request or sample rows, gave NaN, or missed the expected outputs; nothing was published.',
  },
  INTERNAL: { code: 'INTERNAL', summary: 'A bug in Berth: please report it with the log line.' },
} as const satisfies Record<string, ErrorKind>;

export type ErrorId = keyof typeof ERROR_KINDS;

/** The one error type: `id` is stable and documented, `code` is derived from it. */
export class BerthError extends Error {
  readonly id: ErrorId;
  readonly code: ErrorCode;

  constructor(id: ErrorId, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.id = id;
    this.code = ERROR_KINDS[id].code;
  }

  /** The searchable form users see, e.g. BERTH_ERR_INPUT_SHAPE. */
  get stableId(): string {
    return `BERTH_ERR_${this.id}`;
  }
}

/** Wraps anything thrown into a BerthError, keeping BerthErrors as they are. */
export function toBerthError(error: unknown, fallback: ErrorId = 'INTERNAL'): BerthError {
  if (error instanceof BerthError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BerthError(fallback, message, { cause: error });
}
