/**
 * The ONNX Runtime adapter (onnxruntime-node; CPU, or CUDA with `--device cuda`). Loading reads the signature
 * from the model's first session, so berth.yaml only needs overrides. Runs execute on worker
 * threads (worker-pool.ts) or inline on the event loop (inline-pool.ts): onnxruntime-node's
 * `session.run` is a synchronous native call that blocks the thread it runs on for the whole
 * inference, which only models of well under a millisecond can afford on the event loop, so
 * `execution: auto` (the default) measures the model and picks.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BerthError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Device } from '../../core/device.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { Tensor } from '../../core/tensor.js';
import type { LoadedModel, LoadedModelMetadata, Runtime } from '../runtime.js';
import {
  AUTO_INLINE_BELOW_MS,
  chooseExecution,
  medianRunMs,
  probeInputs,
  type ExecutionMode,
} from './auto-execution.js';
import { InlinePool } from './inline-pool.js';
import type { InstancePool, RunReport, RuntimeLog } from './instance-pool.js';
import { planInstances } from './instance-plan.js';
import { sessionOptions } from './session-options.js';
import { applyOverrides, specsFromMetadata } from './signature.js';
import { prepareInput } from './tensor-convert.js';
import { WorkerPool, type SpawnWorker } from './worker-pool.js';

export type { RunReport, RuntimeLog } from './instance-pool.js';

/** The platform string reported in model metadata (as Triton names ONNX Runtime models). */
export const ONNX_PLATFORM = 'onnxruntime_onnx';

export interface OnnxRuntimeOptions {
  /** Overrides every model's `instances` (the server's `--instances`). */
  readonly instances?: number | undefined;
  /** Where sessions run; the CPU when absent. Check it with checkDevice first (execution-device.ts). */
  readonly device?: Device | undefined;
  /** Cores the default instance count divides; `os.availableParallelism()` when absent. */
  readonly cores?: number | undefined;
  /** Where worker crashes and restarts and the `auto` decision are logged; when absent, errors go to stderr. */
  readonly logger?: RuntimeLog | undefined;
  /** Called after every run on a worker instance (instance, compute time, concurrency). */
  readonly onRun?: ((report: RunReport) => void) | undefined;
  /** Creates worker threads; tests wrap it to reach the workers. */
  readonly spawnWorker?: SpawnWorker | undefined;
  /** Times the `execution: auto` probe runs; `performance.now()` when absent. */
  readonly clock?: Pick<Clock, 'now'> | undefined;
}

/**
 * Loads `config.model_file` from a local folder into the instances `planInstances` decides, after
 * resolving `execution: auto` by timing the model (auto-execution.ts).
 */
export class OnnxRuntime implements Runtime {
  readonly name = 'onnx';

  constructor(private readonly options: OnnxRuntimeOptions = {}) {}

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    const file = join(dir, config.model_file);
    if (config.execution !== 'auto') {
      const pool = await this.#createPool(file, config, config.execution);
      return new OnnxLoadedModel(pool, await describeOrClose(pool, file, config), config.execution);
    }
    // One inline session to read the signature and time the model: kept when inline wins, released
    // before the workers start otherwise (so the weights are never held twice over).
    const inline = await this.#createPool(file, config, 'inline', 1);
    const metadata = await describeOrClose(inline, file, config);
    const execution = await this.#decide(inline, metadata, config, file);
    if (execution === 'inline') return new OnnxLoadedModel(inline, metadata, 'inline');
    await inline.close();
    const pool = await this.#createPool(file, config, 'worker');
    return new OnnxLoadedModel(pool, metadata, 'worker');
  }

  /** The sessions `planInstances` decides (or exactly `instances`), or MODEL_LOAD_FAILED naming the file. */
  async #createPool(
    file: string,
    config: ModelConfig,
    execution: ExecutionMode,
    instances?: number,
  ): Promise<InstancePool> {
    const cores = this.options.cores ?? availableParallelism();
    const plan = planInstances(config, execution, cores, instances ?? this.options.instances);
    try {
      return plan.execution === 'worker'
        ? await WorkerPool.create({
            file,
            instances: plan.instances,
            sessionOptions: sessionOptions(config.threads, this.options.device),
            log: this.#log,
            onRun: this.options.onRun,
            spawn: this.options.spawnWorker,
          })
        : await InlinePool.create(file, plan.instances, sessionOptions(config.threads, this.options.device));
    } catch (error) {
      throw new BerthError('MODEL_LOAD_FAILED', `ONNX Runtime could not load ${file}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * `auto`: times the inline session on zero inputs (auto-execution.ts) and applies the rule. A
   * model that cannot run zeros at that batch goes to workers unmeasured, so that warm-up, or the
   * first request, reports the failure with its own cause.
   */
  async #decide(
    pool: InstancePool,
    metadata: LoadedModelMetadata,
    config: ModelConfig,
    file: string,
  ): Promise<ExecutionMode> {
    const clock = this.options.clock;
    const now = clock ? () => clock.now() : () => performance.now();
    const probe = probeInputs(metadata.inputs, config.max_batch_size);
    const fetches = metadata.outputs.map((spec) => spec.name);
    let medianMs: number;
    try {
      const prepared = probe.inputs.map((input) => prepareInput(input));
      medianMs = await medianRunMs(() => pool.run(prepared, fetches), now);
    } catch (error) {
      this.#log.info(
        { file, execution: 'worker', err: messageOf(error) },
        `execution auto → worker (zero inputs at ${probe.batch} did not run, so nothing was measured)`,
      );
      return 'worker';
    }
    const execution = chooseExecution(medianMs);
    this.#log.info(
      { file, execution, medianMs, thresholdMs: AUTO_INLINE_BELOW_MS },
      `execution auto → ${execution} (${probe.batch} ran in ${medianMs.toFixed(2)} ms)`,
    );
    return execution;
  }

  get #log(): RuntimeLog {
    return this.options.logger ?? stderrLog;
  }
}

/** The signature read from the pool with berth.yaml overrides applied; the pool is closed if that fails. */
async function describeOrClose(
  pool: InstancePool,
  file: string,
  config: ModelConfig,
): Promise<LoadedModelMetadata> {
  try {
    const { signature } = pool;
    return {
      platform: ONNX_PLATFORM,
      inputs: applyOverrides(specsFromMetadata(signature.inputs, 'input', file), config.inputs, 'input'),
      outputs: applyOverrides(specsFromMetadata(signature.outputs, 'output', file), config.outputs, 'output'),
    };
  } catch (error) {
    await pool.close();
    throw error;
  }
}

/** A model held in one or more instances; an empty `outputNames` means every output. */
export class OnnxLoadedModel implements LoadedModel {
  private disposed = false;

  constructor(
    private readonly pool: InstancePool,
    readonly metadata: LoadedModelMetadata,
    /** Where runs execute; `auto` is resolved by the time a model is loaded. */
    readonly execution: ExecutionMode,
  ) {}

  /** Number of sessions held. */
  get instances(): number {
    return this.pool.size;
  }

  /** Runs that execute at the same time: the instances on worker threads, 1 inline. */
  get concurrency(): number {
    return this.pool.concurrency;
  }

  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputNames: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Tensor>> {
    if (this.disposed) {
      throw new BerthError('MODEL_NOT_READY', 'the model was unloaded; its sessions are released');
    }
    // A run cannot be interrupted once started, so cancellation is honoured only before it.
    if (signal?.aborted) throw new BerthError('CANCELLED', 'the request was cancelled before the model ran');
    // Checked here, on the event loop, so a bad input fails with its own id and never reaches an instance.
    const prepared = [...inputs].map(([name, tensor]) => prepareInput(tensor, name));
    const fetches = outputNames.length > 0 ? outputNames : this.metadata.outputs.map((spec) => spec.name);
    let outputs: Tensor[];
    try {
      outputs = await this.pool.run(prepared, fetches, signal);
    } catch (error) {
      if (error instanceof BerthError) throw error;
      throw new BerthError('INFERENCE_FAILED', `ONNX Runtime failed to run the model: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return new Map(outputs.map((output) => [output.name, output]));
  }

  healthy(): boolean {
    return !this.disposed && this.pool.usable;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.pool.close();
  }
}

/** Used when no logger is given: errors on stderr, one line each; the rest (a line per load) is dropped. */
const stderrLog: RuntimeLog = {
  info: () => undefined,
  error: (details, message) => console.error(`berth onnx: ${message} ${JSON.stringify(details)}`),
};

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
