/**
 * A real LoadedModel behind a gate, so tests can make a model "busy" without timing: while the gate
 * is closed, runs wait before they reach the model; `open` lets them through. It records the rows of
 * every run that reached it, in order, which is how batch sizes are observed.
 */
import type { ModelConfig } from '../../src/core/model-config.js';
import type { Tensor } from '../../src/core/tensor.js';
import type { LoadedModel, LoadedModelMetadata, Runtime } from '../../src/runtime/runtime.js';

export class GatedModel implements LoadedModel {
  /** Rows (dim 0 of the first input) of every run, in the order runs arrived. */
  readonly runs: number[] = [];
  #gate: Promise<void> | undefined;
  #open: () => void = () => {};
  #held = 0;

  /** `runsAtOnce` overrides the inner model's (how many runs a batcher may start at once). */
  constructor(
    private readonly inner: LoadedModel,
    private readonly runsAtOnce?: number,
  ) {}

  get metadata(): LoadedModelMetadata {
    return this.inner.metadata;
  }

  get concurrency(): number | undefined {
    return this.runsAtOnce ?? this.inner.concurrency;
  }

  /** Runs that arrive from now on wait at the gate. */
  close(): void {
    if (this.#gate) return;
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  /** Lets every waiting and later run through. */
  open(): void {
    this.#gate = undefined;
    this.#open();
  }

  /** Runs waiting at the gate now. */
  get held(): number {
    return this.#held;
  }

  async infer(
    inputs: ReadonlyMap<string, Tensor>,
    outputNames: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, Tensor>> {
    this.runs.push(inputs.values().next().value?.shape[0] ?? 0);
    const gate = this.#gate;
    if (gate) {
      this.#held += 1;
      try {
        await gate;
      } finally {
        this.#held -= 1;
      }
    }
    return this.inner.infer(inputs, outputNames, signal);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

/** A Runtime that loads with a real one and wraps every model in a GatedModel (open at first). */
export class GatedRuntime implements Runtime {
  readonly models: GatedModel[] = [];

  constructor(private readonly inner: Runtime) {}

  get name(): string {
    return this.inner.name;
  }

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    const model = new GatedModel(await this.inner.load(dir, config));
    this.models.push(model);
    return model;
  }

  /** The loaded model that has an input of this name. */
  withInput(name: string): GatedModel {
    const model = this.models.find((candidate) =>
      candidate.metadata.inputs.some((spec) => spec.name === name),
    );
    if (!model) throw new Error(`no loaded model has an input "${name}"`);
    return model;
  }
}
