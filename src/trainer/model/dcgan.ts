/**
 * The seed's DCGAN (see docs/run-format.md and the reference experiment), in NHWC for TensorFlow.js:
 * a generator of four transposed convolutions and a discriminator of four convolutions, no biases,
 * BatchNorm on the inner layers, initialised like PyTorch's defaults.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONDITIONAL_CLASSES, ExperimentConfig, IMAGE_CHANNELS, IMAGE_SIZE, imageChannels } from '../../protocol/experimentConfig';
import { Rng } from '../rng';
import { FusedActivation, hasFusedBatchNorm } from '../backend/batchNormKernels';
import { batchNormActTrain, batchNormEval, BatchNormParams, batchNormTrain } from './batchNorm';

export type Activation = 'relu' | 'leakyRelu' | 'tanh' | 'none';

export interface LayerSpec {
  kind: 'conv' | 'convTranspose';
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: number;
  batchNorm: boolean;
  activation: Activation;
}

export const LEAKY_SLOPE = 0.2;

/** Activations the fused BatchNorm kernels apply themselves. */
const FUSABLE: Partial<Record<Activation, FusedActivation>> = { none: 0, relu: 1, leakyRelu: 2 };
const KERNEL = 4;

/**
 * What the experiment changes in the architecture: the image side (64 adds one block to each network,
 * as in the DCGAN paper) and the classes of a conditional run (G's input gets a one-hot label beside z;
 * D gets a projection embedding). Absent: the lesson's 32x32 unconditional DCGAN.
 */
export interface ArchitectureOptions {
  imageSize?: number;
  /** Image channels: 1 (grey, the lesson) or 3 (RGB). */
  channels?: number;
  /** Number of classes of a conditional run (0 or absent: unconditional). */
  classes?: number;
}

/** The architecture options of a config (conditional runs: ten classes; channels: the data set's unless set). */
export function architectureOf(config: { imageSize?: number; conditional?: boolean; channels?: number | null; dataset?: ExperimentConfig['dataset'] }): Required<ArchitectureOptions> {
  return {
    imageSize: config.imageSize ?? IMAGE_SIZE,
    classes: config.conditional ? CONDITIONAL_CLASSES : 0,
    channels: imageChannels({ channels: config.channels ?? null, dataset: config.dataset }),
  };
}

/** Blocks between the 4x4 and the full-size layer: 2 at 32x32, 3 at 64x64. */
function innerBlocks(imageSize: number): number {
  if (imageSize !== 32 && imageSize !== 64) throw new RangeError(`imageSize must be 32 or 64, not ${imageSize}`);
  return Math.log2(imageSize) - 3;
}

export function generatorSpec(latentSize: number, featureSize: number, options: ArchitectureOptions = {}): LayerSpec[] {
  const f = featureSize;
  const t = (inChannels: number, outChannels: number, stride: number, pad: number, last = false): LayerSpec => ({
    kind: 'convTranspose', inChannels, outChannels, kernel: KERNEL, stride, pad, batchNorm: !last, activation: last ? 'tanh' : 'relu',
  });
  const blocks = innerBlocks(options.imageSize ?? IMAGE_SIZE);
  // Widths f * 2^blocks, ..., f: at 32x32 the lesson's 4f, 2f, f; at 64x64 the paper's 8f, 4f, 2f, f.
  const specs = [t(latentSize + (options.classes ?? 0), f * 2 ** blocks, 1, 0)];
  for (let b = blocks; b > 0; b--) specs.push(t(f * 2 ** b, f * 2 ** (b - 1), 2, 1));
  specs.push(t(f, options.channels ?? IMAGE_CHANNELS, 2, 1, true));
  return specs;
}

export function discriminatorSpec(featureSize: number, options: ArchitectureOptions = {}): LayerSpec[] {
  const f = featureSize;
  const c = (inChannels: number, outChannels: number, stride: number, pad: number, batchNorm: boolean, activation: Activation): LayerSpec => ({
    kind: 'conv', inChannels, outChannels, kernel: KERNEL, stride, pad, batchNorm, activation,
  });
  const blocks = innerBlocks(options.imageSize ?? IMAGE_SIZE);
  const specs = [c(options.channels ?? IMAGE_CHANNELS, f, 2, 1, false, 'leakyRelu')];
  for (let b = 0; b < blocks; b++) specs.push(c(f * 2 ** b, f * 2 ** (b + 1), 2, 1, true, 'leakyRelu'));
  specs.push(c(f * 2 ** blocks, 1, 1, 0, false, 'none'));
  return specs;
}

/** How the forward pass treats BatchNorm. */
export type Mode =
  /** Batch statistics, running statistics updated (PyTorch's train mode). */
  | 'train'
  /** Batch statistics, running statistics untouched (a recomputation of a forward already counted). */
  | 'train-recompute'
  /** Running statistics (PyTorch's eval mode). */
  | 'eval';

/** Power-iteration vectors of a spectrally normalised layer: u (output side), v (input side). */
export interface SpectralNormState {
  u: tf.Variable;
  v: tf.Variable;
}

interface Layer {
  spec: LayerSpec;
  weight: tf.Variable;
  norm?: BatchNormParams;
  sn?: SpectralNormState;
}

export interface NetworkOptions {
  /** Spectral normalisation of every layer; u and v start as normalised draws of `rng`. */
  spectralNorm?: { rng: Rng };
  /**
   * A projection discriminator (Miyato & Koyama 2018) over `classes` classes: a class embedding
   * [classes, penultimate channels], drawn from the network's rng after its layers, whose inner
   * product with the sum-pooled penultimate features is added to the logit.
   */
  projection?: { classes: number };
}

/** PyTorch's F.normalize epsilon. */
const SN_EPS = 1e-12;

function l2normalize(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.maximum(tf.norm(x), SN_EPS));
}

/** A filter as the matrix whose largest singular value spectral normalisation divides by: [k*k*in, out] (PyTorch's [out, in*k*k], transposed and with rows permuted: the same singular values). */
function weightMatrix(weight: tf.Tensor): tf.Tensor2D {
  const outChannels = weight.shape[3]!;
  return tf.reshape(weight, [-1, outChannels]);
}

/** One power iteration: v = normalize(M u), u = normalize(Mᵀ v), M = weightMatrix(weight). Returns the new [u, v]. */
export function powerIteration(weight: tf.Tensor, u: tf.Tensor): [tf.Tensor1D, tf.Tensor1D] {
  return tf.tidy(() => {
    const m = weightMatrix(weight);
    const v2 = l2normalize(tf.matMul(m, tf.reshape(u, [-1, 1])));
    const u2 = l2normalize(tf.matMul(m, v2, true, false));
    return [tf.reshape(u2, [-1]) as tf.Tensor1D, tf.reshape(v2, [-1]) as tf.Tensor1D];
  });
}

/** The estimate of the largest singular value, uᵀ Mᵀ v, differentiable in the weight (u and v are constants). */
export function spectralNormEstimate(weight: tf.Tensor, u: tf.Tensor, v: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(tf.matMul(tf.reshape(v, [1, -1]), weightMatrix(weight)), tf.reshape(u, [1, -1])));
}

/** Filter shape in TensorFlow.js's layout: conv [k, k, in, out]; transposed conv [k, k, out, in]. */
function filterShape(spec: LayerSpec): [number, number, number, number] {
  return spec.kind === 'conv'
    ? [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels]
    : [spec.kernel, spec.kernel, spec.outChannels, spec.inChannels];
}

/**
 * PyTorch's default initialisation of Conv2d / ConvTranspose2d weights: kaiming_uniform with
 * a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), where fan_in is computed from PyTorch's
 * weight layout (dim 1 times the kernel area): in_channels for Conv2d, out_channels for ConvTranspose2d.
 */
export function initBound(spec: LayerSpec): number {
  const fanIn = (spec.kind === 'conv' ? spec.inChannels : spec.outChannels) * spec.kernel * spec.kernel;
  return 1 / Math.sqrt(fanIn);
}

let instances = 0;

/** Class labels as the networks take them: one row per image, one-hot (or a mixture of classes), [n, classes]. */
export function oneHotLabels(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  const values = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw new RangeError(`class label ${label} is outside 0..${classes - 1}`);
    values[i * classes + label] = 1;
  }
  return tf.tensor2d(values, [labels.length, classes]);
}

export class Network {
  private readonly layers: Layer[];
  /** The projection discriminator's class embedding [classes, penultimate channels]. */
  readonly embedding?: tf.Variable;
  /** Checkpoint names of `allVariables()`, e.g. "G/1/bn/gamma" (TensorFlow.js names must be unique per process). */
  readonly variableNames: string[];

  constructor(
    readonly name: 'G' | 'D',
    readonly specs: LayerSpec[],
    rng: Rng,
    options: NetworkOptions = {},
  ) {
    const instance = ++instances;
    const variable = (initial: tf.Tensor, trainable: boolean, varName: string) =>
      tf.tidy(() => tf.variable(initial, trainable, `${varName}#${instance}`));
    this.layers = specs.map((spec, i) => {
      const shape = filterShape(spec);
      const values = rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -initBound(spec), initBound(spec));
      const weight = variable(tf.tensor(values, shape), true, `${name}/${i}/weight`);
      const snRng = options.spectralNorm?.rng;
      const unit = (n: number, varName: string) => variable(l2normalize(tf.tensor1d(snRng!.fillNormal(new Float32Array(n)))), false, varName);
      const sn = snRng ? { u: unit(spec.outChannels, `${name}/${i}/sn/u`), v: unit(shape[0] * shape[1] * shape[2], `${name}/${i}/sn/v`) } : undefined;
      if (!spec.batchNorm) return sn ? { spec, weight, sn } : { spec, weight };
      const c = spec.outChannels;
      const norm: BatchNormParams = {
        gamma: variable(tf.ones([c]), true, `${name}/${i}/bn/gamma`),
        beta: variable(tf.zeros([c]), true, `${name}/${i}/bn/beta`),
        runningMean: variable(tf.zeros([c]), false, `${name}/${i}/bn/running_mean`),
        runningVar: variable(tf.ones([c]), false, `${name}/${i}/bn/running_var`),
      };
      return sn ? { spec, weight, norm, sn } : { spec, weight, norm };
    });
    if (options.projection) {
      // Xavier-uniform, as SNGAN's projection discriminators initialise their class embedding.
      const channels = specs[specs.length - 1].inChannels;
      const bound = Math.sqrt(6 / (options.projection.classes + channels));
      const values = rng.fillUniform(new Float32Array(options.projection.classes * channels), -bound, bound);
      this.embedding = variable(tf.tensor2d(values, [options.projection.classes, channels]), true, `${name}/embed`);
    }
    this.variableNames = this.allVariables().map((v) => v.name.slice(0, v.name.lastIndexOf('#')));
  }

  /** Parameters the optimiser updates (weights, BatchNorm scale and shift). */
  trainableVariables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => (l.norm ? [l.weight, l.norm.gamma, l.norm.beta] : [l.weight])), ...(this.embedding ? [this.embedding] : [])];
  }

  /** Every variable, trainable or not, in a fixed order (what a checkpoint stores). */
  allVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [
      ...(l.norm ? [l.weight, l.norm.gamma, l.norm.beta, l.norm.runningMean, l.norm.runningVar] : [l.weight]),
      ...(l.sn ? [l.sn.u, l.sn.v] : []),
    ]).concat(this.embedding ? [this.embedding] : []);
  }

  get spectralNorm(): boolean {
    return this.layers.some((l) => l.sn);
  }

  /** One power iteration for every spectrally normalised layer (once per D update, outside any gradient tape). */
  powerIterate(): void {
    for (const { weight, sn } of this.layers) {
      if (!sn) continue;
      const [u, v] = powerIteration(weight, sn.u);
      sn.u.assign(u);
      sn.v.assign(v);
      tf.dispose([u, v]);
    }
  }

  /** Sets every variable to `other`'s (same architecture). */
  copyFrom(other: Network): void {
    const mine = this.allVariables();
    other.allVariables().forEach((v, i) => mine[i].assign(v));
  }

  /** Exponential moving average: every variable becomes decay * itself + (1 - decay) * `source`'s. */
  averageFrom(source: Network, decay: number): void {
    const mine = this.allVariables();
    tf.tidy(() => source.allVariables().forEach((v, i) => mine[i].assign(tf.add(tf.mul(mine[i], decay), tf.mul(v, 1 - decay)))));
  }

  /** Checkpoint names of `trainableVariables()`. */
  trainableVariableNames(): string[] {
    const trainable = new Set(this.trainableVariables());
    return this.allVariables().flatMap((v, i) => (trainable.has(v) ? [this.variableNames[i]] : []));
  }

  trainableParameterCount(): number {
    return this.trainableVariables().reduce((sum, v) => sum + v.size, 0);
  }

  /**
   * The network on `input`. `classes` ([n, classes], one-hot or a mixture) conditions it: G gets
   * them as extra input channels beside z; a projection D adds <embedding(y), sum-pooled penultimate
   * features> to its logit.
   */
  forward(input: tf.Tensor4D, mode: Mode, classes?: tf.Tensor2D): tf.Tensor4D {
    const fused = mode !== 'eval' && hasFusedBatchNorm();
    let x = input;
    const conditional = this.name === 'G' ? this.layers[0].spec.inChannels !== input.shape[3] : this.embedding !== undefined;
    if (conditional && !classes) throw new Error(`${this.name} is conditional: it needs the class labels of its input.`);
    if (this.name === 'G' && classes) x = tf.concat([x, tf.reshape(classes, [classes.shape[0], 1, 1, classes.shape[1]])], 3);
    let penultimate: tf.Tensor4D | undefined;
    for (const [i, layer] of this.layers.entries()) {
      if (i === this.layers.length - 1) penultimate = x;
      x = applyConv(x, layer.spec, layer.sn ? tf.div(layer.weight, spectralNormEstimate(layer.weight, layer.sn.u, layer.sn.v)) : layer.weight);
      if (layer.norm && fused && FUSABLE[layer.spec.activation] !== undefined) {
        x = batchNormActTrain(x, layer.norm, mode === 'train', FUSABLE[layer.spec.activation]!, LEAKY_SLOPE);
        continue;
      }
      if (layer.norm) x = mode === 'eval' ? batchNormEval(x, layer.norm) : batchNormTrain(x, layer.norm, mode === 'train');
      x = activate(x, layer.spec.activation);
    }
    if (this.embedding && classes && penultimate) {
      const pooled = tf.sum(penultimate, [1, 2]); // [n, channels]
      const projection = tf.sum(tf.mul(pooled, tf.matMul(classes, this.embedding)), 1); // [n]
      x = tf.add(x, tf.reshape(projection, x.shape));
    }
    return x;
  }

  dispose(): void {
    for (const v of this.allVariables()) v.dispose();
  }
}

function applyConv(x: tf.Tensor4D, spec: LayerSpec, weight: tf.Tensor): tf.Tensor4D {
  if (spec.kind === 'conv') return tf.conv2d(x, weight as tf.Tensor4D, spec.stride, spec.pad);
  const [n, h, w] = x.shape;
  const out = (size: number) => (size - 1) * spec.stride - 2 * spec.pad + spec.kernel;
  return tf.conv2dTranspose(x, weight as tf.Tensor4D, [n, out(h), out(w), spec.outChannels], spec.stride, spec.pad);
}

function activate(x: tf.Tensor4D, activation: Activation): tf.Tensor4D {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, LEAKY_SLOPE);
    case 'tanh':
      return tf.tanh(x);
    case 'none':
      return x;
  }
}

export interface Dcgan {
  generator: Network;
  discriminator: Network;
  latentSize: number;
  /** Classes of a conditional model (absent or 0: unconditional). */
  classes?: number;
  /** Image side (absent: 32). */
  imageSize?: number;
}

/**
 * Builds G then D from the weights stream of the run's seed (spectral normalisation of D: its
 * vectors from their own stream; a projection D's class embedding after D's layers, so the
 * unconditional draws are the lesson's).
 */
export function buildDcgan(latentSize: number, featureSize: number, rng: Rng, options: { discriminator?: NetworkOptions } & ArchitectureOptions = {}): Dcgan {
  const architecture = { imageSize: options.imageSize ?? IMAGE_SIZE, classes: options.classes ?? 0, channels: options.channels ?? IMAGE_CHANNELS };
  const discriminator = architecture.classes > 0 ? { ...options.discriminator, projection: { classes: architecture.classes } } : options.discriminator;
  return {
    generator: new Network('G', generatorSpec(latentSize, featureSize, architecture), rng),
    discriminator: new Network('D', discriminatorSpec(featureSize, architecture), rng, discriminator),
    latentSize,
    ...(architecture.classes > 0 ? { classes: architecture.classes } : {}),
    ...(architecture.imageSize !== IMAGE_SIZE ? { imageSize: architecture.imageSize } : {}),
  };
}

/** The image side of a model. */
export function imageSizeOf(model: Pick<Dcgan, 'imageSize'>): number {
  return model.imageSize ?? IMAGE_SIZE;
}

/** One-hot labels for a conditional model's batch (undefined for an unconditional model). */
export function classTensor(model: Pick<Dcgan, 'classes'>, labels: ArrayLike<number> | undefined): tf.Tensor2D | undefined {
  if (!model.classes) return undefined;
  if (!labels) throw new Error('A conditional model needs a class label for every latent vector.');
  return oneHotLabels(labels, model.classes);
}

/** z as the generator's input: [n, 1, 1, latent]. */
export function latentTensor(values: Float32Array, latentSize: number): tf.Tensor4D {
  return tf.tensor4d(values, [values.length / latentSize, 1, 1, latentSize]);
}

export const IMAGE_SHAPE = [IMAGE_SIZE, IMAGE_SIZE, IMAGE_CHANNELS] as const;

