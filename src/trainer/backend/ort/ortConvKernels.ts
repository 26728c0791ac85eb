/**
 * Convolution kernels for TensorFlow.js that run on onnxruntime through the OrtBridge: one tiny
 * ONNX model and session per kernel shape, created on first use. A shape ORT cannot take falls
 * back, once and for good, to the given fallback kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildConvKernelModel, ConvGeometry, ConvKernelKind, geometryKey } from './convModels';
import type { OrtBridge } from './ortBridge';

export interface HeapAccess {
  /** A new output tensor of the backend. */
  allocate(backend: tf.KernelBackend, shape: number[]): tf.TensorInfo;
  /** A view of a tensor's values (valid until the next allocation). */
  read(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array;
}

export function geometryOf(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    ci: info.inChannels,
    co: info.outChannels,
    ho: info.outHeight,
    wo: info.outWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
  };
}

export interface KernelStats {
  variants: Map<string, string>;
  fallbacks: Map<string, string>;
}

export class OrtConvKernels {
  /** Session id per kernel shape; a string is the reason the shape falls back. */
  private readonly sessions = new Map<string, number | string>();
  readonly stats: KernelStats = { variants: new Map(), fallbacks: new Map() };

  constructor(
    private readonly bridge: OrtBridge,
    private readonly heap: HeapAccess,
  ) {}

  /** Builds and runs one tiny convolution (2x3 times 3x1) and checks the answer: ORT loads and computes here. */
  probe(): void {
    const g: ConvGeometry = { n: 2, h: 1, w: 1, ci: 3, co: 1, ho: 1, wo: 1, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 };
    const id = this.bridge.createSession(buildConvKernelModel('conv', g));
    const out = new Float32Array(2);
    this.bridge.run(id, [Float32Array.from([1, 2, 3, 4, 5, 6]), Float32Array.from([1, 10, 100])], out);
    if (out[0] !== 321 || out[1] !== 654) throw new Error(`a test convolution gave ${out[0]}, ${out[1]} instead of 321, 654`);
  }

  /**
   * Runs `kind` for geometry `g` with `inputs` (in the kernel's input order); undefined when the
   * shape falls back (the caller then uses its fallback kernel).
   */
  run(kind: ConvKernelKind, g: ConvGeometry, backend: tf.KernelBackend, inputs: tf.TensorInfo[], outShape: number[]): tf.TensorInfo | undefined {
    const key = geometryKey(kind, g);
    let session = this.sessions.get(key);
    if (session === undefined) {
      try {
        const model = buildConvKernelModel(kind, g);
        session = this.bridge.createSession(model);
        this.stats.variants.set(key, model.variant);
      } catch (error) {
        session = (error as Error).message;
        this.stats.fallbacks.set(key, session);
      }
      this.sessions.set(key, session);
    }
    if (typeof session === 'string') return undefined;
    const out = this.heap.allocate(backend, outShape);
    // Views are taken after the allocation, which may have moved the heap.
    const views = inputs.map((info) => this.heap.read(backend, info));
    this.bridge.run(session, views, this.heap.read(backend, out));
    return out;
  }
}
