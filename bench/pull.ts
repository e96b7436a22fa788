/**
 * `npm run bench:pull`: how fast Berth pulls a large model from a real HDFS and a real S3 server,
 * against the raw floor measured in the same run (plain streamed GETs of the same bytes to
 * nothing). Starts both servers on ports of its own (scripts/hdfs, scripts/s3), publishes one
 * version with a BENCH_PULL_MB file, then times floors, Berth's store layer and `localize` over a
 * sweep of range settings, interleaved, BENCH_PULL_REPEATS times; writes bench/results/pull.json
 * (every sample and the environment) and pull.md. Settings: bench/pull/config.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { redactPaths } from './lib/redact-paths.js';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEFAULT_RANGE_DOWNLOAD } from '../src/repository/download/parallel-download.js';
import { publishVersion } from '../src/repository/publish.js';
import { withRetries } from '../src/storage/retrying-store.js';
import { createDefaultStoreRegistry } from '../src/storage/store-registry.js';
import { resolveStoreSettings } from '../src/storage/store-settings-env.js';
import { repoRoot } from './lib/paths.js';
import { backendCases, berthCaseId, localizeOnce, sweepSettings } from './pull/cases.js';
import type { BackendContext, PullCase } from './pull/cases.js';
import { timeDiskWrite, timeSha256 } from './pull/components.js';
import type { ComponentSample } from './pull/components.js';
import { loadPullConfig } from './pull/config.js';
import { environment, floorMethods, notes } from './pull/describe.js';
import type { PullBackend, PullConfig } from './pull/config.js';
import { getToNull } from './pull/floor.js';
import { measure } from './pull/measure.js';
import type { PullSample } from './pull/measure.js';
import { MODEL_FILE, onnxPayload, writeModelFolder } from './pull/payload.js';
import { profile } from './pull/profile.js';
import type { ProfileSummary } from './pull/profile.js';
import { summariseReady, timeToReady } from './pull/ready.js';
import type { ReadySample } from './pull/ready.js';
import { renderPullMarkdown } from './pull/report.js';
import { startHdfs, startS3, S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY } from './pull/services.js';
import type { HdfsService, S3Service, StopService } from './pull/services.js';
import { HDFS_USER, hdfsDataNodeSource, hdfsRedirectSource, s3PresignedSource } from './pull/sources.js';
import { summarise, summariseComponents } from './pull/summary.js';
import { TimedStore } from './pull/timed-store.js';

const MODEL = 'pullbench';
/** Bound on publishing the model to one backend. */
const PUBLISH_TIMEOUT_MS = 300_000;
/** Past the measuring bound: server start-up, publish, warm-up and profiles, whatever hangs. */
const HARD_LIMIT_EXTRA_S = 900;
const stops: StopService[] = [];
let scratch: string | undefined;

/** One backend, published and ready to measure. */
interface Prepared {
  readonly ctx: BackendContext;
  readonly cases: PullCase[];
  readonly serverPids: number[];
  readonly publishSeconds: number;
  readonly uri: string;
  /** The store settings `berth serve` gets for this backend. */
  readonly env: Record<string, string>;
}

async function main(): Promise<void> {
  const config = loadPullConfig();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  setTimeout(
    () => {
      console.error(`bench:pull: still running after ${config.maxSeconds + HARD_LIMIT_EXTRA_S} s; giving up`);
      void cleanup().finally(() => process.exit(124));
    },
    (config.maxSeconds + HARD_LIMIT_EXTRA_S) * 1000,
  ).unref();
  scratch = await mkdtemp(join(tmpdir(), 'berth-pull-bench-'));
  const logDir = join(config.outDir, 'logs');
  await mkdir(logDir, { recursive: true });
  // A loadable ONNX model (one big initializer), so the time-to-ready case can serve it.
  const data = onnxPayload(config.sizeMiB * 1024 * 1024);
  const size = data.byteLength;

  console.log(
    `bench:pull: ${config.sizeMiB} MiB model, backends ${config.backends.join(', ')}, scratch ${scratch}`,
  );
  const folder = await writeModelFolder(join(scratch, 'model'), data);

  console.log('bench:pull: starting the servers (HDFS takes 15-30 s)');
  const [hdfs, s3] = await Promise.all([
    config.backends.includes('hdfs')
      ? startHdfs(config.portBase, config.hdfsBlockMiB * 1024 * 1024, config.keep, (stop) => stops.push(stop))
      : undefined,
    config.backends.includes('s3')
      ? startS3(config.portBase, config.keep, (stop) => stops.push(stop))
      : undefined,
  ]);

  const sweep = sweepSettings(config.concurrencies, config.chunksMiB);
  const prepared = new Map<PullBackend, Prepared>();
  for (const backend of config.backends) {
    const service = backend === 'hdfs' ? hdfs : s3;
    if (service === undefined) continue;
    const ready = await prepare(backend, service, folder, size, config, scratch);
    prepared.set(backend, { ...ready, cases: backendCases(ready.ctx, sweep) });
    console.log(
      `bench:pull: ${backend}: published ${ready.uri}/${MODEL}/${ready.ctx.version} in ${ready.publishSeconds.toFixed(1)} s`,
    );
  }

  // Unmeasured: JIT, connections and the servers' page cache warm for every case alike.
  for (const { ctx } of prepared.values()) {
    await getToNull(ctx.floor.url, { signal: AbortSignal.timeout(config.transferTimeoutS * 1000) });
    await localizeOnce(ctx, DEFAULT_RANGE_DOWNLOAD, AbortSignal.timeout(config.transferTimeoutS * 1000));
  }

  const samples: PullSample[] = [];
  const components: ComponentSample[] = [];
  const skipped: string[] = [];
  const profiles: Partial<Record<PullBackend, ProfileSummary>> = {};
  const readySamples: ReadySample[] = [];
  const write = async (finished: boolean) => {
    const summary = summarise(
      new Map([...prepared].map(([backend, entry]) => [backend, entry.cases])),
      samples,
      berthCaseId(DEFAULT_RANGE_DOWNLOAD),
    );
    const report = {
      startedAt,
      finishedAt: finished ? new Date().toISOString() : '(running)',
      smoke: config.repeats < 3 || config.sizeMiB < 256,
      sizeBytes: size,
      repeats: config.repeats,
      environment: environment(config, loadBefore, hdfs, s3),
      floorMethods: floorMethods(config),
      summary,
      components: summariseComponents(components),
      ready: summariseReady(readySamples, (backend) => {
        const row = summary.find((entry) => entry.backend === backend && entry.isDefault);
        return row?.medianSeconds ?? null;
      }),
      profiles,
      skipped,
      notes: notes(prepared),
    };
    const json = {
      ...report,
      config,
      defaultRanges: DEFAULT_RANGE_DOWNLOAD,
      backends: Object.fromEntries(
        [...prepared].map(([backend, entry]) => [
          backend,
          { uri: entry.uri, version: entry.ctx.version, publishSeconds: entry.publishSeconds },
        ]),
      ),
      samples,
      componentSamples: components,
      readySamples,
    };
    await mkdir(config.outDir, { recursive: true });
    await writeFile(join(config.outDir, 'pull.json'), redactPaths(`${JSON.stringify(json, null, 2)}\n`));
    await writeFile(join(config.outDir, 'pull.md'), redactPaths(renderPullMarkdown(report)));
  };

  // The measuring bound starts now: server start-up and publish are bounded on their own.
  const deadline = Date.now() + config.maxSeconds * 1000;
  for (let repeat = 0; repeat < config.repeats; repeat += 1) {
    components.push(timeSha256(data, repeat), await timeDiskWrite(data, scratch, repeat));
    for (const [backend, entry] of prepared) {
      // Rotated each repeat, so no case always runs first (or right after the same neighbour).
      const shift = (repeat * 5) % entry.cases.length;
      const order = [...entry.cases.slice(shift), ...entry.cases.slice(0, shift)];
      for (const pullCase of order) {
        if (Date.now() > deadline) {
          skipped.push(`${backend} ${pullCase.id} repeat ${repeat + 1}`);
          continue;
        }
        const sample = await measure(backend, pullCase, repeat, {
          timeoutS: config.transferTimeoutS,
          serverPids: entry.serverPids,
          takeReadTimings: entry.ctx.takeReadTimings,
        });
        samples.push(sample);
        const result = sample.error ?? `${sample.mbps.toFixed(0)} MB/s in ${sample.seconds.toFixed(2)} s`;
        console.log(`  [${repeat + 1}/${config.repeats}] ${backend} ${pullCase.id}: ${result}`);
      }
      await write(false);
    }
  }

  if (config.ready)
    for (let repeat = 0; repeat < config.repeats; repeat += 1)
      for (const [backend, entry] of prepared) {
        if (Date.now() > deadline) {
          skipped.push(`${backend} ready repeat ${repeat + 1}`);
          continue;
        }
        const sample = await timeToReady(
          {
            backend,
            storeUri: entry.uri,
            model: MODEL,
            env: entry.env,
            scratch: scratch as string,
            logFile: join(logDir, `serve-${backend}.log`),
            timeoutS: config.transferTimeoutS,
          },
          repeat,
        );
        readySamples.push(sample);
        const result = sample.error ?? `ready in ${sample.readySeconds.toFixed(2)} s`;
        console.log(`  [${repeat + 1}/${config.repeats}] ${backend} berth serve: ${result}`);
        await write(false);
      }

  if (config.profile)
    for (const [backend, entry] of prepared) {
      if (Date.now() > deadline) {
        skipped.push(`${backend} profile`);
        continue;
      }
      const file = join(logDir, `pull-${backend}.cpuprofile`);
      const summary = await profile(
        () =>
          localizeOnce(
            entry.ctx,
            DEFAULT_RANGE_DOWNLOAD,
            AbortSignal.timeout(config.transferTimeoutS * 1000),
          ),
        file,
      );
      // Named relative to the repository in the report, so it reads the same on every machine.
      profiles[backend] = { ...summary, file: relative(repoRoot(), file) };
      console.log(`bench:pull: ${backend}: profile written to ${file}`);
    }
  await write(true);
  console.log(`bench:pull: wrote ${join(config.outDir, 'pull.md')} and pull.json`);
}

/** Opens Berth's store for one backend, publishes the model and builds the cases' context. */
async function prepare(
  backend: PullBackend,
  service: HdfsService | S3Service,
  folder: string,
  size: number,
  config: PullConfig,
  scratchDir: string,
): Promise<Omit<Prepared, 'cases'>> {
  // The stores see only these variables: nothing from the caller's shell (another S3 endpoint,
  // credentials, a Hadoop configuration) can redirect the traffic away from 127.0.0.1.
  const env: Record<string, string> =
    service.kind === 'hdfs'
      ? { BERTH_HDFS_USER: HDFS_USER }
      : {
          BERTH_S3_ENDPOINT: service.endpoint,
          AWS_ACCESS_KEY_ID: S3_ACCESS_KEY,
          AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY,
          AWS_REGION: S3_REGION,
        };
  const uri =
    service.kind === 'hdfs'
      ? `webhdfs://${new URL(service.webhdfs).host}/berth-pull-bench`
      : `s3://${service.bucket}/models`;
  const timed = new TimedStore(createDefaultStoreRegistry(resolveStoreSettings(env)).resolve(uri));
  const store = withRetries(timed); // as `berth models pull` opens a store
  const started = Date.now();
  const { version } = await publishVersion(store, MODEL, folder, {
    lineage: { bench: 'pull' },
    signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
  });
  const publishSeconds = (Date.now() - started) / 1000;
  const filePath = `${MODEL}/${version}/${MODEL_FILE}`;
  const base = {
    backend,
    store,
    takeReadTimings: () => timed.take(),
    model: MODEL,
    version,
    filePath,
    size,
    scratch: scratchDir,
    curl: config.curl,
    timeoutS: config.transferTimeoutS,
  };
  if (service.kind === 'hdfs') {
    const absolute = `/berth-pull-bench/${filePath}`;
    const floor = await hdfsDataNodeSource(service, absolute);
    return {
      ctx: { ...base, floor, redirectFloor: () => hdfsRedirectSource(service, absolute, floor.url) },
      serverPids: [service.nameNodePid, service.dataNodePid],
      publishSeconds,
      uri,
      env,
    };
  }
  return {
    ctx: { ...base, floor: s3PresignedSource(service, `models/${filePath}`) },
    serverPids: [service.pid],
    publishSeconds,
    uri,
    env,
  };
}

async function cleanup(): Promise<void> {
  const pending = stops.splice(0);
  await Promise.allSettled(pending.map((stop) => stop()));
  const keep = process.env.BENCH_KEEP && process.env.BENCH_KEEP !== '0';
  if (scratch !== undefined && !keep) await rm(scratch, { recursive: true, force: true });
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`bench:pull: ${signal}: stopping the servers`);
    void cleanup().finally(() => process.exit(code));
  });
}
process.once('unhandledRejection', (error) => {
  console.error('bench:pull: unhandled rejection:', error);
  void cleanup().finally(() => process.exit(1));
});

main()
  .then(
    () => 0,
    (error: unknown) => {
      console.error('bench:pull: failed:', error instanceof Error ? (error.stack ?? error.message) : error);
      return 1;
    },
  )
  .then(async (code) => {
    await cleanup();
    // The S3 client's kept-alive sockets would hold the process open for their idle time.
    process.exit(code);
  });
