/**
 * The `berth train` job: one strict schema for the YAML job file and the flags, so an unknown key
 * is an error naming it, and flags override the file field by field (maps key by key). Exported
 * for whoever renders a job elsewhere (a Kubernetes Job running `berth train`).
 */
import { durationMs } from '../../core/duration.js';
import { parse } from 'yaml';
import { z } from 'zod';
import { BerthError } from '../../core/errors.js';
import { formatZodIssues } from '../../config/zod-issues.js';

/** The timeout when the job sets none. */
export const DEFAULT_TRAIN_TIMEOUT = '24h';

/** Names usable as a folder and, upper-cased, in an environment variable name. */
const dataName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a letter then letters, digits or _ (e.g. train, holdout_2)');
const paramKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits or _');
const envKey = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits, _)');
// YAML reads `PYTHONUNBUFFERED: 1` as a number; an environment only holds text.
const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const relativePath = z
  .string()
  .refine((path) => !path.startsWith('/') && !path.split(/[\\/]/).includes('..'), {
    message: 'expected a path inside the repository, without a leading / or ".."',
  });

/** A message for a field left out, saying what to give (zod's default names only the type). */
const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined),
});

/** The job file's fields; every one has a flag of the same name. */
export const trainJobSchema = z
  .object({
    repo: z
      .string(required('the git repository (https, ssh or file:// URL, or a local path); --repo'))
      .min(1)
      .describe('Git repository: https, ssh (ssh:// or git@host:path), file:// URL or a local path.'),
    ref: z
      .string(required('a branch, tag or commit; --ref'))
      .min(1)
      .describe('Branch, tag or commit (full or short) to fetch; lineage records the resolved commit.'),
    workdir: relativePath
      .default('')
      .describe("The command's working folder, relative to the repository root."),
    command: z
      .array(z.string().min(1), required('the training command as a list, or after "--" on the command line'))
      .min(1)
      .describe('The training command and its arguments (no shell).'),
    data: z
      .record(dataName, z.string().min(1))
      .default({})
      .describe('Named store URIs (file or folder) staged as local paths under BERTH_DATA_DIR.'),
    params: z
      .record(paramKey, z.json())
      .default({})
      .describe('Hyper-parameters: BERTH_PARAMS_FILE (JSON) and BERTH_PARAM_<KEY> each.'),
    output: z
      .object(
        {
          model: z
            .string(required('the model name to publish under; --output-model'))
            .min(1)
            .describe('Model name the trained version is published under.'),
          store: z
            .string(required('the store URI to publish to; --output-store'))
            .min(1)
            .describe('Store URI holding the model folder.'),
        },
        required('{ model, store }: where to publish; --output-model and --output-store'),
      )
      .strict(),
    timeout: z
      .string()
      .default(DEFAULT_TRAIN_TIMEOUT)
      .refine((value) => (durationMs(value) ?? 0) > 0, {
        message: 'expected a duration: a whole number with a unit, such as 90s, 30m, 2h or 1d',
      }),
    env: z.record(envKey, envValue).default({}).describe('Extra environment variables for the command.'),
    verify: z
      .object({
        samples: z.string().min(1).optional(),
        tolerance: z.number().nonnegative().default(1e-4),
      })
      .strict()
      .default({ tolerance: 1e-4 }),
  })
  .strict();

/** A validated training job. */
export type TrainJob = z.output<typeof trainJobSchema>;

/** What the flags of `berth train` give; each overrides the job file's field (maps: key by key). */
export interface TrainJobFlags {
  readonly repo?: string;
  readonly ref?: string;
  readonly workdir?: string;
  readonly command?: readonly string[];
  readonly data?: Readonly<Record<string, string>>;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string>>;
  readonly outputModel?: string;
  readonly outputStore?: string;
  readonly timeout?: string;
  readonly samples?: string;
}

/** Reads a job file's YAML text into a plain object; `where` names the file in errors. */
export function readTrainJobText(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(text) ?? {};
  } catch (error) {
    throw new BerthError('TRAIN_JOB_INVALID', `${where}: not valid YAML: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BerthError(
      'TRAIN_JOB_INVALID',
      `${where}: expected a mapping of job fields (repo, ref, command, ...)`,
    );
  }
  return value as Record<string, unknown>;
}

/** The job file's fields with the flags laid over them, not yet validated. */
export function mergeTrainJob(
  file: Readonly<Record<string, unknown>>,
  flags: TrainJobFlags,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...file };
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) merged[key] = value;
  };
  set('repo', flags.repo);
  set('ref', flags.ref);
  set('workdir', flags.workdir);
  if (flags.command !== undefined && flags.command.length > 0) merged.command = [...flags.command];
  set('timeout', flags.timeout);
  const overMap = (key: string, over: Readonly<Record<string, unknown>> | undefined): void => {
    if (over === undefined || Object.keys(over).length === 0) return;
    const base = file[key];
    merged[key] = { ...(isRecord(base) ? base : {}), ...over };
  };
  overMap('data', flags.data);
  overMap('params', flags.params);
  overMap('env', flags.env);
  if (flags.outputModel !== undefined || flags.outputStore !== undefined) {
    const base = isRecord(file.output) ? file.output : {};
    merged.output = {
      ...base,
      ...(flags.outputModel !== undefined ? { model: flags.outputModel } : {}),
      ...(flags.outputStore !== undefined ? { store: flags.outputStore } : {}),
    };
  }
  if (flags.samples !== undefined) {
    const base = isRecord(file.verify) ? file.verify : {};
    merged.verify = { ...base, samples: flags.samples };
  }
  return merged;
}

/** Validates a job (file and flags merged); TRAIN_JOB_INVALID names each bad or unknown key. */
export function parseTrainJob(value: unknown, where: string): TrainJob {
  const result = trainJobSchema.safeParse(value);
  if (!result.success) {
    throw new BerthError('TRAIN_JOB_INVALID', `${where}: ${formatZodIssues(result.error.issues)}`);
  }
  return result.data;
}

/** The job's timeout in milliseconds. */
export function trainTimeoutMs(job: TrainJob): number {
  return durationMs(job.timeout) ?? durationMs(DEFAULT_TRAIN_TIMEOUT)!;
}

/** `key=value` of a repeatable flag; TRAIN_JOB_INVALID naming the flag otherwise. */
export function splitPair(raw: string, flag: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) {
    throw new BerthError(
      'TRAIN_JOB_INVALID',
      `${flag} ${JSON.stringify(raw)}: expected name=value with a non-empty name`,
    );
  }
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}

/** A `--param` value: a JSON number, boolean or null stays one, anything else is text. */
export function paramValue(raw: string): unknown {
  if (/^(true|false|null)$/.test(raw) || /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return JSON.parse(raw);
  return raw;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
