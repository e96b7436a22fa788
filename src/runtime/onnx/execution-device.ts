/**
 * Where ONNX models run: the CPU, or a GPU through ONNX Runtime's CUDA execution provider. The CUDA
 * provider is a separate shared library that onnxruntime-node's install script downloads from
 * outside the npm registry, so a plain install can name `cuda` among its backends yet lack the
 * files; asking a session for it then fails deep inside session creation. `checkDevice` tells that
 * at start-up, before any model is pulled, with the file that is missing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { listSupportedBackends, type InferenceSession } from 'onnxruntime-node';
import type { Device } from '../../core/device.js';
import { BerthError } from '../../core/errors.js';

/** Session execution providers for a device; CUDA keeps CPU as the fallback for nodes it lacks. */
export function executionProviders(device: Device): InferenceSession.ExecutionProviderConfig[] {
  return device.kind === 'cpu' ? ['cpu'] : [{ name: 'cuda', deviceId: device.deviceId }, 'cpu'];
}

/** What checkDevice looks at; the installed onnxruntime-node by default (tests pass their own). */
export interface ProviderProbe {
  /** Backend names the binding was built with (onnxruntime-node's listSupportedBackends). */
  readonly backends: readonly string[];
  /** The folder holding the native binding, where provider libraries must sit beside it. */
  readonly bindingDir: string;
  readonly exists: (path: string) => boolean;
}

// The binding loads providers from its own folder (ONNX Runtime's provider bridge); on Linux the
// CUDA provider needs the shared bridge and its own library.
const CUDA_FILES: Readonly<Partial<Record<NodeJS.Platform, readonly string[]>>> = {
  linux: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
  win32: ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll'],
};

/** The probe of the onnxruntime-node this process imports. */
export function installedProviderProbe(): ProviderProbe {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  // <package>/dist/index.js → <package>/bin/napi-v6/<platform>/<arch>
  const bindingDir = join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return { backends: listSupportedBackends().map((b) => b.name), bindingDir, exists: existsSync };
}

/** Resolves when models can run on `device`; DEVICE_UNAVAILABLE saying what is missing otherwise. */
export function checkDevice(
  device: Device,
  probe: ProviderProbe = installedProviderProbe(),
  platform: NodeJS.Platform = process.platform,
): void {
  if (device.kind === 'cpu') return;
  if (!probe.backends.includes('cuda')) {
    throw new BerthError(
      'DEVICE_UNAVAILABLE',
      `--device cuda: this onnxruntime-node build has no CUDA execution provider on ${platform}/${process.arch} (it has ${probe.backends.join(', ')}); use --device cpu`,
    );
  }
  const missing = (CUDA_FILES[platform] ?? []).filter((file) => !probe.exists(join(probe.bindingDir, file)));
  if (missing.length > 0) {
    throw new BerthError(
      'DEVICE_UNAVAILABLE',
      `--device cuda: onnxruntime-node is installed without its CUDA provider files (${missing.join(', ')} not in ${probe.bindingDir}); reinstall it with its CUDA files (the onnxruntime-node install script, which the CPU install skips), use the CUDA image, or use --device cpu`,
    );
  }
}
