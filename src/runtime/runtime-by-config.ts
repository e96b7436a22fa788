/** A Runtime that picks the engine by berth.yaml `runtime`, so one registry serves ONNX and lookup models. */
import { BerthError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import type { LoadedModel, Runtime } from './runtime.js';

/** Delegates each load to the runtime named by `config.runtime`. */
export class RuntimeByConfig implements Runtime {
  readonly name = 'by-config';
  readonly #runtimes: Readonly<Partial<Record<ModelConfig['runtime'], Runtime>>>;

  constructor(runtimes: Readonly<Partial<Record<ModelConfig['runtime'], Runtime>>>) {
    this.#runtimes = runtimes;
  }

  async load(dir: string, config: ModelConfig): Promise<LoadedModel> {
    const runtime = this.#runtimes[config.runtime];
    if (runtime === undefined) {
      throw new BerthError(
        'MODEL_LOAD_FAILED',
        `${dir}: berth.yaml runtime ${JSON.stringify(config.runtime)} is not available in this server`,
      );
    }
    return runtime.load(dir, config);
  }
}
