/**
 * Kernels GAN Studio adds to or replaces in tfjs-backend-wasm 4.22, through tf.registerKernel
 * (no library files are patched):
 * - "stock": only Conv2DBackpropFilter, which the backend lacks (every weight gradient), as a
 *   dilated stride-1 convolution on the backend's own XNNPACK Conv2D;
 * - "xnnpack": also Conv2DBackpropInput (G's transposed convolutions and every input gradient),
 *   whose stock kernel is a naive scalar loop, as stride-1 XNNPACK convolutions per output phase;
 * - "ort": all three convolution kernels on onnxruntime-node's CPU kernels (multi-threaded),
 *   each shape ORT cannot take falling back to the "xnnpack" kernels.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { BackendOps, conv2dBackpropFilterViaConv, conv2dBackpropInputByPhases } from './convGradients';
import { OrtBridge } from './ort/ortBridge';
import { geometryOf, HeapAccess, OrtConvKernels } from './ort/ortConvKernels';

const WASM = 'wasm';

export type WasmConvKernels = 'stock' | 'xnnpack' | 'ort';

interface HeapBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function kernel(name: string): BackendOps['conv2d'] {
  const config = tf.getKernel(name, WASM);
  if (!config) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
  return config.kernelFunc as BackendOps['conv2d'];
}

const heap: HeapAccess = {
  allocate: (backend, shape) => (backend as HeapBackend).makeOutput(shape, 'float32'),
  read: (backend, info) => (backend as HeapBackend).typedArrayFromHeap(info),
};

function wasmOps(backend: tf.KernelBackend, conv2d: BackendOps['conv2d']): BackendOps {
  return {
    backend,
    conv2d,
    transpose: kernel(tf.Transpose),
    slice: kernel(tf.Slice),
    allocate: (shape) => heap.allocate(backend, shape),
    upload: (shape, values) => {
      const info = heap.allocate(backend, shape);
      heap.read(backend, info).set(values);
      return info;
    },
    read: (info) => heap.read(backend, info),
  };
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dilations?: number | [number, number];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

export interface InstalledKernels {
  set: WasmConvKernels;
  /** What runs the convolutions, for the run's backend report. */
  description: string;
  /** Why onnxruntime is not used, when it was wanted. */
  ortProblem?: string;
  ort?: OrtConvKernels;
}

let installed: InstalledKernels | undefined;

/** onnxruntime-node's main file, or a reason why it cannot be used here. */
function resolveOrt(): { path: string; version: string } | { problem: string } {
  try {
    const req = createRequire(__filename);
    const pkgPath = req.resolve('onnxruntime-node/package.json');
    const version = (req(pkgPath) as { version: string }).version;
    return { path: req.resolve('onnxruntime-node'), version };
  } catch (error) {
    return { problem: `onnxruntime-node is not installed (${(error as Error).message.split('\n')[0]})` };
  }
}

function startOrt(): { kernels: OrtConvKernels; description: string } | { problem: string } {
  if (process.env.GAN_STUDIO_NO_ORT) return { problem: 'disabled by GAN_STUDIO_NO_ORT' };
  const ort = resolveOrt();
  if ('problem' in ort) return ort;
  const threads = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const bridge = new OrtBridge(ort.path, threads);
  try {
    // A first tiny session proves that the native library loads on this platform.
    const kernels = new OrtConvKernels(bridge, heap);
    kernels.probe();
    return { kernels, description: `onnxruntime-node ${ort.version} convolutions (${threads} threads)` };
  } catch (error) {
    void bridge.close();
    return { problem: `onnxruntime-node ${ort.version} does not run here (${(error as Error).message})` };
  }
}

/** Registers the kernels (once per process; the set cannot change afterwards). */
export function installWasmKernels(wanted: WasmConvKernels): InstalledKernels {
  if (installed) {
    if (installed.set !== wanted && !(wanted === 'ort' && installed.ortProblem)) throw new Error(`wasm kernels already installed as "${installed.set}"`);
    return installed;
  }
  let ort: OrtConvKernels | undefined;
  let ortProblem: string | undefined;
  let ortDescription = '';
  if (wanted === 'ort') {
    const started = startOrt();
    if ('problem' in started) ortProblem = started.problem;
    else ({ kernels: ort, description: ortDescription } = started);
  }
  const set: WasmConvKernels = wanted === 'ort' && !ort ? 'xnnpack' : wanted;
  const stockConv = kernel(tf.Conv2D);
  const stockBackpropInput = tf.getKernel(tf.Conv2DBackpropInput, WASM)!;

  const replace = (name: string, kernelFunc: tf.KernelFunc, setupFunc?: tf.KernelSetupFunc) => {
    if (tf.getKernel(name, WASM)) tf.unregisterKernel(name, WASM);
    tf.registerKernel({ kernelName: name, backendName: WASM, kernelFunc, setupFunc });
  };

  replace(tf.Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    if (ort) {
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode);
      const out = ort.run('bpf', geometryOf(info), backend as tf.KernelBackend, [x, dy], a.filterShape);
      if (out) return out;
    }
    return conv2dBackpropFilterViaConv(wasmOps(backend as tf.KernelBackend, stockConv), x, dy, a);
  });

  if (set !== 'stock') {
    replace(
      tf.Conv2DBackpropInput,
      (args) => {
        const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
        const a = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
        const backend = args.backend as tf.KernelBackend;
        if (ort && (a.dataFormat ?? 'NHWC') === 'NHWC') {
          const info = tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode);
          const out = ort.run('bpi', geometryOf(info), backend, [dy, filter], a.inputShape);
          if (out) return out;
        }
        return conv2dBackpropInputByPhases(wasmOps(backend, stockConv), dy, filter, a) ?? (stockBackpropInput.kernelFunc(args) as tf.TensorInfo);
      },
      stockBackpropInput.setupFunc,
    );
  }

  if (ort) {
    const stockConvConfig = tf.getKernel(tf.Conv2D, WASM)!;
    replace(
      tf.Conv2D,
      (args) => {
        const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
        const a = args.attrs as unknown as ConvAttrs;
        if ((a.dataFormat ?? 'NHWC') === 'NHWC') {
          const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], a.strides, a.dilations ?? 1, a.pad, a.dimRoundingMode);
          const out = ort!.run('conv', geometryOf(info), args.backend as tf.KernelBackend, [x, filter], info.outShape);
          if (out) return out;
        }
        return stockConvConfig.kernelFunc(args);
      },
      stockConvConfig.setupFunc,
    );
  }

  const descriptions: Record<WasmConvKernels, string> = {
    stock: 'stock convolution kernels',
    xnnpack: 'convolution gradients on XNNPACK',
    ort: ortDescription,
  };
  installed = { set, description: descriptions[set], ortProblem, ort };
  return installed;
}
