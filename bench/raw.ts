/** Runs the in-process ONNX Runtime sweep (raw-inference.js) per model and thread setting. */
import { join } from 'node:path';
import type { BenchConfig } from './config.js';
import { berthThreadDefaults, type ThreadSettings } from './lib/berth-defaults.js';
import { compiledBenchDir } from './lib/paths.js';
import { jsonAfter, runToEnd } from './lib/run-to-end.js';
import type { BenchModel } from './models.js';
import type { RawPoint, RawSettings } from './raw-inference.js';

export interface RawSweep {
  readonly model: string;
  /** "berth-defaults" (the settings Berth runs a model with) or "all-cores". */
  readonly setting: string;
  readonly threads: ThreadSettings;
  readonly status: 'ok' | 'failed';
  readonly reason?: string;
  readonly points: readonly RawPoint[];
}

/** Thread settings to sweep: Berth's defaults, and one intra-op thread per core when that differs. */
export function rawThreadSettings(cores: number): Array<{ setting: string; threads: ThreadSettings }> {
  const berth = berthThreadDefaults();
  const settings = [{ setting: 'berth-defaults', threads: berth }];
  if (berth.intraOp !== cores && cores > 1)
    settings.push({ setting: 'all-cores', threads: { intraOp: cores, interOp: 1, spinning: false } });
  return settings;
}

export async function rawSweep(model: BenchModel, config: BenchConfig, logDir: string): Promise<RawSweep[]> {
  const sweeps: RawSweep[] = [];
  for (const { setting, threads } of rawThreadSettings(config.cores)) {
    const settings: RawSettings = {
      modelPath: model.onnxPath,
      inputName: model.inputName,
      features: model.features,
      batches: config.rawBatches,
      seconds: config.rawSeconds,
      threads,
    };
    console.log(`  raw ${model.name} ${setting} (intra ${threads.intraOp}, inter ${threads.interOp})`);
    try {
      const done = await runToEnd(
        `raw:${model.name}`,
        process.execPath,
        [join(compiledBenchDir(), 'raw-inference.js'), JSON.stringify(settings)],
        { timeoutMs: 15 * 60 * 1000, logFile: join(logDir, `raw-${model.name}-${setting}.log`) },
      );
      const out = jsonAfter(
        done.lines.filter((line) => line.startsWith('{')),
        '',
      ) as { points: RawPoint[] } | undefined;
      if (done.code !== 0 || out === undefined)
        throw new Error(`exited ${String(done.code)}: ${done.lines.slice(-3).join(' | ')}`);
      sweeps.push({ model: model.name, setting, threads, status: 'ok', points: out.points });
      for (const point of out.points)
        console.log(
          `    batch ${point.batch}: ${point.rowsPerS.toFixed(0)} rows/s, ${point.msPerRun.toFixed(3)} ms/run`,
        );
    } catch (error) {
      sweeps.push({
        model: model.name,
        setting,
        threads,
        status: 'failed',
        reason: (error as Error).message,
        points: [],
      });
    }
  }
  return sweeps;
}

/** Best rows/s over every setting and batch size of a model. */
export function bestRaw(
  sweeps: readonly RawSweep[],
  model: string,
): { rowsPerS: number; batch: number; setting: string } | null {
  let best: { rowsPerS: number; batch: number; setting: string } | null = null;
  for (const sweep of sweeps.filter((entry) => entry.model === model))
    for (const point of sweep.points)
      if (best === null || point.rowsPerS > best.rowsPerS)
        best = { rowsPerS: point.rowsPerS, batch: point.batch, setting: sweep.setting };
  return best;
}

/** ms per run at `batch` with Berth's thread settings. */
export function rawMsAt(sweeps: readonly RawSweep[], model: string, batch: number): number | null {
  const sweep = sweeps.find((entry) => entry.model === model && entry.setting === 'berth-defaults');
  return sweep?.points.find((point) => point.batch === batch)?.msPerRun ?? null;
}
