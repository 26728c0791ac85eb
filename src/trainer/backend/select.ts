/**
 * Picks the TensorFlow.js backend at run time: tfjs-node-gpu (if it loads and sees a GPU),
 * WebGPU on Dawn (if it finds a hardware adapter), tfjs-node, wasm, then the plain JavaScript CPU
 * backend. The native packages are optional: they
 * are looked up at run time and may be absent. The report says which one ran and why faster ones
 * were skipped.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// Importing a value (not just the module) keeps the backend's registration in the bundle.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendChoice } from '../../protocol/experimentConfig';
import type { BackendName, BackendReport } from '../../protocol/runFormat';
import { registerBatchNormKernels } from './batchNormKernels';
import { installWasmKernels, WasmConvKernels } from './wasmKernels';
import { loadWebgpu, releaseWebgpu, WebgpuUnavailable } from './webgpu';

const ORDER: BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export type WasmKernelSet = WasmConvKernels;

export interface SelectOptions {
  /** Extra folders in which to look for the optional native packages (each a node_modules parent). */
  searchPaths?: string[];
  /** Which of GAN Studio's wasm kernels to use (benchmarks compare them); default the fastest. */
  wasmKernels?: WasmKernelSet;
}

class Unavailable extends Error {}

type Loader = (options: SelectOptions, auto: boolean) => Promise<string | Pick<BackendReport, 'detail' | 'adapter'>>;

const LOADERS: Record<BackendName, Loader> = {
  'tensorflow-gpu': (o) => loadNative('@tensorflow/tfjs-node-gpu', true, o),
  // auto takes WebGPU only on a hardware adapter; SwiftShader and the like are for tests.
  webgpu: (o, auto) => loadWebgpu((name) => resolveFrom(name, o), auto),
  tensorflow: (o) => loadNative('@tensorflow/tfjs-node', false, o),
  wasm: (o) => loadWasm(o.wasmKernels ?? 'ort'),
  cpu: loadCpu,
};

/** Initialises the chosen backend (or the fastest available for "auto") and makes it current. */
export async function selectBackend(choice: BackendChoice, options: SelectOptions = {}): Promise<BackendReport> {
  registerBatchNormKernels();
  const candidates = choice === 'auto' ? ORDER : [choice];
  const skipped: BackendReport['skipped'] = [];
  for (const name of candidates) {
    try {
      const loaded = await LOADERS[name](options, choice === 'auto');
      return typeof loaded === 'string' ? { name, detail: loaded, skipped } : { name, ...loaded, skipped };
    } catch (error) {
      const reason = error instanceof Unavailable || error instanceof WebgpuUnavailable ? error.message : `failed to initialise: ${(error as Error).message}`;
      if (choice !== 'auto') {
        throw new BackendUnavailableError(
          `The "${name}" backend is not available: ${reason}.`,
          'Set the backend to "auto" (setting ganStudio.backend, CLI --backend auto) to use the fastest available one.',
        );
      }
      skipped.push({ name, reason });
    }
  }
  throw new BackendUnavailableError('No TensorFlow.js backend could be initialised.', 'Reinstall GAN Studio; the CPU backend should always load.');
}

export class BackendUnavailableError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}

/** Releases what a backend holds outside JavaScript (the WebGPU device), so the process can exit. */
export function releaseBackend(): void {
  releaseWebgpu();
}

/** The entry file of an optional package, looked up in the search paths and beside the bundle. */
function resolveFrom(moduleName: string, options: SelectOptions): string {
  // Only the folders given and GAN Studio's own: never the working directory, which may be an untrusted workspace.
  const roots = [...(options.searchPaths ?? []), __dirname];
  for (const root of roots) {
    try {
      return createRequire(path.join(root, 'noop.js')).resolve(moduleName);
    } catch {
      continue;
    }
  }
  const pkg = moduleName.startsWith('@') ? moduleName.split('/').slice(0, 2).join('/') : moduleName.split('/')[0];
  throw new Unavailable(`${pkg} is not installed (npm install ${pkg} where GAN Studio can find it)`);
}

function requireFrom(moduleName: string, options: SelectOptions): unknown {
  const resolved = resolveFrom(moduleName, options);
  return createRequire(resolved)(resolved);
}

async function loadNative(moduleName: string, needGpu: boolean, options: SelectOptions): Promise<string> {
  const mod = requireFrom(moduleName, options) as { version?: Record<string, string> };
  // The native package registers the "tensorflow" backend in the shared tfjs-core engine.
  if (!(await tf.setBackend('tensorflow'))) throw new Unavailable(`${moduleName} loaded but its backend did not initialise`);
  const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  if (needGpu && !backend.isUsingGpuDevice) {
    throw new Unavailable(`${moduleName} loaded but TensorFlow sees no GPU`);
  }
  const version = mod.version?.['tfjs-node'] ?? mod.version?.['tfjs-node-gpu'] ?? '';
  return `${moduleName} ${version}${needGpu ? ' (GPU)' : ' (CPU, libtensorflow)'}`.replace('  ', ' ');
}

/** Where the .wasm binaries are: beside the bundle (dist/) or in the package (development). */
export function wasmBinaryDir(): string {
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) return __dirname + path.sep;
  const pkg = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

let wasmPrepared = false;

async function loadWasm(kernels: WasmKernelSet): Promise<string> {
  if (!wasmPrepared) {
    setWasmPaths(wasmBinaryDir());
    setThreadsCount(1);
    wasmPrepared = true;
  }
  const installed = installWasmKernels(kernels);
  if (!(await tf.setBackend('wasm'))) throw new Unavailable('the WebAssembly module did not initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const fallback = installed.ortProblem ? `; ${installed.ortProblem}` : '';
  return `tfjs-backend-wasm ${tf.version_core} (${simd ? 'SIMD' : 'no SIMD'}, 1 thread) with ${installed.description}${fallback}`;
}

async function loadCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Unavailable('the CPU backend did not initialise');
  return `tfjs-backend-cpu ${version_cpu} (plain JavaScript)`;
}
