/**
 * The WebGPU backend: TensorFlow.js's tfjs-backend-webgpu on Dawn's Node binding (the optional
 * `webgpu` package: a native dawn.node loaded at run time), which drives the GPU through Vulkan,
 * Metal or Direct3D 12. `auto` takes it only for a hardware adapter; software adapters
 * (SwiftShader, llvmpipe, WARP) compute correctly but slower than wasm, and serve tests.
 *
 * Lifetime: Dawn reports a lost device asynchronously (driver reset, GPU removed, out of memory);
 * the session calls `assertGpuHealthy()` between iterations and before checkpoints, so a run fails
 * with a clear message and stays resumable from its last good checkpoint. `releaseWebgpu()`
 * destroys the device at the end so that nothing native outlives the run.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GpuAdapterReport } from '../../protocol/runFormat';

/** The parts of the WebGPU API used here (the full types come with @webgpu/types). */
interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface GpuDeviceLostInfo {
  reason: string;
  message: string;
}
interface GpuDevice {
  readonly lost: Promise<GpuDeviceLostInfo>;
  destroy(): void;
}
interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly isFallbackAdapter?: boolean;
  readonly limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<GpuDevice>;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapter | null>;
}
interface DawnModule {
  create(flags: string[]): Gpu;
  globals: Record<string, unknown>;
}

/** The npm package of Dawn's Node binding. */
export const WEBGPU_PACKAGE = 'webgpu';
const BACKEND = 'webgpu';

/** Adapters that are CPU renderers, whatever they call themselves. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|\bwarp\b/i;

/** Raised when the backend cannot be used here; `auto` records the message and moves on. */
export class WebgpuUnavailable extends Error {}

/** The GPU device went away in the middle of a run. */
export class GpuDeviceLostError extends Error {
  readonly hint =
    'Resume the run from its last checkpoint (Resume Run in the Runs view, or gan-studio-train --resume RUN_DIR). ' +
    'If the device is lost again (driver reset, GPU removed or out of memory), train with the "wasm" backend.';

  constructor(readonly reason: string, detail: string) {
    super(`The GPU device was lost (${reason}${detail ? `: ${detail}` : ''}); the training step could not finish.`);
    this.name = 'GpuDeviceLostError';
  }
}

interface Current {
  device: GpuDevice;
  adapter: GpuAdapterReport;
  detail: string;
  lost: GpuDeviceLostInfo | null;
  releasing: boolean;
}

let current: Current | null = null;

/** Describes an adapter for run.json; `software` marks CPU renderers. */
export function describeAdapter(info: GpuAdapterInfo, isFallbackAdapter = false): GpuAdapterReport {
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isFallbackAdapter || info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(text),
  };
}

export function adapterLabel(a: GpuAdapterReport): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  return `${name}${a.description ? ` (${a.description})` : ''}${a.software ? ', a software renderer' : ''}`;
}

/**
 * Initialises the webgpu backend on the first adapter Dawn offers for high performance and makes
 * it current. `requireHardware` (auto) refuses software adapters. `resolve` finds an optional
 * package's entry file (throwing WebgpuUnavailable when it is not installed).
 */
export async function loadWebgpu(resolve: (moduleName: string) => string, requireHardware: boolean): Promise<{ detail: string; adapter: GpuAdapterReport }> {
  if (current && !current.lost && tf.findBackend(BACKEND)) {
    refuseSoftware(current.adapter, requireHardware);
    if (!(await tf.setBackend(BACKEND))) throw new WebgpuUnavailable('tfjs-backend-webgpu did not initialise');
    return { detail: current.detail, adapter: current.adapter };
  }
  releaseWebgpu();
  const dawn = await loadDawn(resolve);
  const gpu = dawn.create([]);
  installGlobals(dawn, gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebgpuUnavailable(
      'Dawn found no GPU adapter (no Vulkan, Metal or Direct3D 12 driver; on Linux install the GPU driver\'s Vulkan support and the loader, e.g. apt-get install libvulkan1)',
    );
  }
  const report = describeAdapter(adapter.info, adapter.isFallbackAdapter === true);
  refuseSoftware(report, requireHardware);
  const limits = adapter.limits;
  // The limits tfjs-backend-webgpu asks for in the browser: the adapter's own, not the defaults.
  const requiredLimits: Record<string, number> = {};
  for (const name of [
    'maxComputeWorkgroupStorageSize',
    'maxComputeWorkgroupsPerDimension',
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupSizeX',
    'maxComputeInvocationsPerWorkgroup',
  ]) {
    if (typeof limits[name] === 'number') requiredLimits[name] = limits[name];
  }
  const device = await adapter.requestDevice({ requiredLimits });
  const detail = `tfjs-backend-webgpu ${tf.version_core} on Dawn (${WEBGPU_PACKAGE} ${dawnVersion(resolve)}), adapter ${adapterLabel(report)}`;
  const state: Current = { device, adapter: report, detail, lost: null, releasing: false };
  current = state;
  void device.lost.then((info) => {
    if (!state.releasing) state.lost = info;
  });
  if (tf.findBackendFactory(BACKEND)) tf.removeBackend(BACKEND);
  // Every kernel on the GPU: tfjs-backend-webgpu otherwise runs small ops on the CPU when their
  // inputs happen to be there (after a checkpoint is loaded, say), and a resumed run would not
  // repeat the uninterrupted one bit for bit.
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  tf.registerBackend(BACKEND, () => new WebGPUBackend(device as never, adapter.info as never), 0);
  if (!(await tf.setBackend(BACKEND))) {
    releaseWebgpu();
    throw new WebgpuUnavailable('tfjs-backend-webgpu did not initialise on the adapter');
  }
  return { detail, adapter: report };
}

function refuseSoftware(adapter: GpuAdapterReport, requireHardware: boolean): void {
  if (requireHardware && adapter.software) {
    throw new WebgpuUnavailable(`the only WebGPU adapter is ${adapterLabel(adapter)}, slower than wasm (choose the "webgpu" backend to use it anyway)`);
  }
}

async function loadDawn(resolve: (moduleName: string) => string): Promise<DawnModule> {
  const entry = resolve(WEBGPU_PACKAGE);
  // An ES module: import() through a URL, which esbuild leaves to Node at run time.
  const url = pathToFileURL(entry).href;
  try {
    return (await import(url)) as DawnModule;
  } catch (error) {
    throw new WebgpuUnavailable(`${WEBGPU_PACKAGE} is installed but Dawn's native module did not load (${(error as Error).message.split('\n')[0]})`);
  }
}

function dawnVersion(resolve: (moduleName: string) => string): string {
  try {
    return (JSON.parse(fs.readFileSync(resolve(`${WEBGPU_PACKAGE}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return '';
  }
}

/** tfjs-backend-webgpu looks for navigator.gpu and the WebGPU constants (GPUBufferUsage, ...). */
function installGlobals(dawn: DawnModule, gpu: Gpu): void {
  const global = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) global[name] = value;
  const navigator = global.navigator as Record<string, unknown> | undefined;
  if (navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
}

/** The adapter of the webgpu backend now in use, or null. */
export function webgpuAdapter(): GpuAdapterReport | null {
  return current?.adapter ?? null;
}

/** The error to report when the webgpu backend is in use and its device was lost, else null. */
export function gpuLostError(): GpuDeviceLostError | null {
  return current?.lost && tf.getBackend() === BACKEND ? new GpuDeviceLostError(current.lost.reason, current.lost.message) : null;
}

/** Throws GpuDeviceLostError when the webgpu backend is in use and its device was lost. */
export function assertGpuHealthy(): void {
  const error = gpuLostError();
  if (error) throw error;
}

/** Disposes the webgpu backend and destroys its device (idempotent). */
export function releaseWebgpu(): void {
  const state = current;
  if (!state) return;
  state.releasing = !state.lost;
  current = null;
  if (tf.findBackend(BACKEND) || tf.findBackendFactory(BACKEND)) tf.removeBackend(BACKEND);
  state.device.destroy();
}
