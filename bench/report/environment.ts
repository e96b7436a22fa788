/** What the numbers were measured on: machine, Node, package versions, load tools and peer versions. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../lib/paths.js';
import { berthThreadDefaults } from '../lib/berth-defaults.js';
import { versionOf, type Tools } from '../lib/tools.js';

const NODE_PACKAGES = ['onnxruntime-node', 'fastify', '@grpc/grpc-js', '@grpc/proto-loader', 'autocannon'];
const PYTHON_PACKAGES = [
  'fastapi',
  'uvicorn',
  'starlette',
  'uvloop',
  'httptools',
  'orjson',
  'numpy',
  'onnxruntime',
  'ray',
  'mlserver',
  'pydantic',
];

export function describeEnvironment(tools: Tools): Record<string, unknown> {
  const require = createRequire(join(repoRoot(), 'package.json'));
  const nodePackages: Record<string, string> = {};
  for (const name of NODE_PACKAGES) {
    try {
      const manifest = join(dirname(require.resolve(`${name}/package.json`)), 'package.json');
      nodePackages[name] = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    } catch {
      nodePackages[name] = 'not installed';
    }
  }
  const berthManifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
    os: `${process.platform} ${release()}`,
    node: process.version,
    berth: { version: berthManifest.version, commit: gitCommit() },
    berthThreadDefaults: berthThreadDefaults(),
    nodePackages,
    loadTools: {
      wrk: tools.wrk ? (versionOf('wrk', ['--version']) ?? 'unknown') : 'not installed',
      ghz: tools.ghz ? (tools.status.ghz ?? 'installed') : 'not installed',
    },
    python: {
      main: pythonVersions(tools.venv),
      mlserver: pythonVersions(tools.mlserverVenv),
    },
    setup: tools.status,
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot(),
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot(),
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+uncommitted` : head;
  } catch {
    return 'unknown';
  }
}

/** Python version and the versions of the packages that matter, from the venv's freeze.txt. */
function pythonVersions(venv: string): Record<string, string> | string {
  const freeze = join(venv, 'freeze.txt');
  if (!existsSync(freeze)) return 'not installed';
  const versions: Record<string, string> = {};
  const python = versionOf(join(venv, 'bin', 'python'), ['--version']);
  if (python) versions.python = python.replace(/^Python\s+/, '');
  for (const line of readFileSync(freeze, 'utf8').split('\n')) {
    const [name, version] = line.split('==');
    if (name && version && PYTHON_PACKAGES.includes(name.toLowerCase()))
      versions[name.toLowerCase()] = version.trim();
  }
  return versions;
}
