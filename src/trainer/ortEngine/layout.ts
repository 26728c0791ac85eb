/**
 * Where each tensor of a network lives in the engine's flat vectors: the trainable parameters (and
 * Adam's moments, which mirror them) in the order of Network.trainableVariables(), the BatchNorm
 * running statistics in the order of the layers. Weights are in ONNX layout (conv [out, in, k, k],
 * transposed conv [in, out, k, k]); TensorFlow.js holds both as [k, k, ·, ·] (toOnnx/fromOnnx).
 */
import type { LayerSpec } from '../model/dcgan';

export interface Slot {
  offset: number;
  size: number;
  /** ONNX shape. */
  shape: readonly number[];
}

export interface LayerLayout {
  weight: Slot;
  gamma?: Slot;
  beta?: Slot;
  runningMean?: Slot;
  runningVar?: Slot;
}

export interface NetLayout {
  layers: LayerLayout[];
  /** Trainable parameters. */
  size: number;
  /** Running statistics. */
  statsSize: number;
}

export function netLayout(specs: LayerSpec[]): NetLayout {
  let size = 0;
  let statsSize = 0;
  const param = (shape: number[]): Slot => {
    const n = shape.reduce((a, b) => a * b, 1);
    const slot = { offset: size, size: n, shape };
    size += n;
    return slot;
  };
  const stat = (c: number): Slot => {
    const slot = { offset: statsSize, size: c, shape: [c] };
    statsSize += c;
    return slot;
  };
  const layers = specs.map((spec): LayerLayout => {
    const k = spec.kernel;
    const weight = param(spec.kind === 'conv' ? [spec.outChannels, spec.inChannels, k, k] : [spec.inChannels, spec.outChannels, k, k]);
    if (!spec.batchNorm) return { weight };
    const gamma = param([spec.outChannels]);
    const beta = param([spec.outChannels]);
    return { weight, gamma, beta, runningMean: stat(spec.outChannels), runningVar: stat(spec.outChannels) };
  });
  return { layers, size, statsSize };
}

/** A TensorFlow.js filter [k, k, a, b] as ONNX's [b, a, k, k] (both kinds of convolution). */
export function filterToOnnx(values: Float32Array, k: number, a: number, bDim: number, out: Float32Array, offset: number): void {
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      for (let i = 0; i < a; i++) {
        const src = ((kh * k + kw) * a + i) * bDim;
        for (let j = 0; j < bDim; j++) out[offset + ((j * a + i) * k + kh) * k + kw] = values[src + j];
      }
    }
  }
}

/** The inverse of filterToOnnx. */
export function filterFromOnnx(flat: Float32Array, offset: number, k: number, a: number, bDim: number): Float32Array {
  const values = new Float32Array(k * k * a * bDim);
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      for (let i = 0; i < a; i++) {
        const dst = ((kh * k + kw) * a + i) * bDim;
        for (let j = 0; j < bDim; j++) values[dst + j] = flat[offset + ((j * a + i) * k + kh) * k + kw];
      }
    }
  }
  return values;
}
