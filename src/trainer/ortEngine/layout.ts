/**
 * Where each tensor of a network lives in the engine's flat vectors: the trainable parameters (and
 * Adam's moments, which mirror them) in the order of Network.trainableVariables(), the BatchNorm
 * running statistics in the order of the layers. Filters keep TensorFlow.js's layout (conv
 * [k, k, in, out], transposed conv [k, k, out, in]), so a vector is the variables concatenated.
 */
import type { LayerSpec } from '../model/dcgan';

export interface Slot {
  offset: number;
  size: number;
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
    const weight = param(spec.kind === 'conv' ? [k, k, spec.inChannels, spec.outChannels] : [k, k, spec.outChannels, spec.inChannels]);
    if (!spec.batchNorm) return { weight };
    const gamma = param([spec.outChannels]);
    const beta = param([spec.outChannels]);
    return { weight, gamma, beta, runningMean: stat(spec.outChannels), runningVar: stat(spec.outChannels) };
  });
  return { layers, size, statsSize };
}
