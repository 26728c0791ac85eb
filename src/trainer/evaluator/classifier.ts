/**
 * The evaluator's network: a small CNN classifier built from tfjs-core ops (no tfjs-layers in the
 * trainer), described by a spec that is also written as a TensorFlow.js Layers topology, so the
 * saved model (`model.json` + one float32 shard) loads in `tf.loadLayersModel` as well as here.
 *
 * Layers: Conv2D ("same" padding, bias, ReLU) ..., Flatten, Dense `features` (ReLU; its output is
 * the feature vector of the metrics), Dropout (training only), Dense `logits` (softmax in the
 * saved topology; here the forward pass returns the logits and the softmax separately).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';

export interface ConvLayerSpec {
  filters: number;
  kernel: number;
  stride: number;
}

export interface ClassifierSpec {
  /** Input [height, width, channels] in [-1, 1]. */
  input: [number, number, number];
  convs: ConvLayerSpec[];
  /** Width of the feature layer. */
  features: number;
  dropout: number;
  classes: number;
  /**
   * BatchNorm after each convolution (before the ReLU), in training only: the saved model has it
   * folded into the convolution's kernel and bias (`folded()`), so it loads as plain Conv2D layers.
   */
  batchNorm?: boolean;
}

/** BatchNorm epsilon of the convolution blocks (as in Keras). */
export const BATCH_NORM_EPSILON = 1e-3;

export const FEATURE_LAYER = 'features';
export const LOGITS_LAYER = 'logits';

interface ConvLayer {
  spec: ConvLayerSpec;
  kernel: tf.Variable;
  bias: tf.Variable;
  /** With spec.batchNorm: scale and shift (trained), population mean and variance (estimated). */
  norm?: { gamma: tf.Variable; beta: tf.Variable; mean: tf.Variable; variance: tf.Variable };
}

/** Per-channel batch statistics of the convolutions, as `forward` in training mode computed them. */
export type BatchStatistics = { mean: Float32Array; variance: Float32Array }[];

interface DenseLayer {
  kernel: tf.Variable;
  bias: tf.Variable;
}

export interface ClassifierOutputs {
  /** [n, features] after ReLU. */
  features: tf.Tensor2D;
  /** [n, classes]. */
  logits: tf.Tensor2D;
}

/** A weight of the saved model: Keras name and shape. */
export interface NamedWeight {
  name: string;
  shape: number[];
}

let instances = 0;

function outSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

export class Classifier {
  private readonly convs: ConvLayer[];
  private readonly hidden: DenseLayer;
  private readonly output: DenseLayer;
  readonly flatSize: number;

  /** He-uniform weights from `rng` (or zeros when `rng` is absent, before loading saved weights). */
  constructor(
    readonly spec: ClassifierSpec,
    rng?: Rng,
  ) {
    const instance = ++instances;
    const variable = (shape: number[], fanIn: number, name: string, bias = false, fill?: number) => {
      const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (fill !== undefined) values.fill(fill);
      else if (rng && !bias) {
        const bound = Math.sqrt(6 / fanIn);
        rng.fillUniform(values, -bound, bound);
      }
      return tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `evaluator/${name}#${instance}`));
    };
    let [h, w, c] = spec.input;
    this.convs = spec.convs.map((conv, i) => {
      const layer = {
        spec: conv,
        kernel: variable([conv.kernel, conv.kernel, c, conv.filters], conv.kernel * conv.kernel * c, `conv${i}/kernel`),
        bias: variable([conv.filters], 1, `conv${i}/bias`, true),
        ...(spec.batchNorm
          ? {
              norm: {
                gamma: variable([conv.filters], 1, `conv${i}/gamma`, true, 1),
                beta: variable([conv.filters], 1, `conv${i}/beta`, true),
                mean: variable([conv.filters], 1, `conv${i}/mean`, true),
                variance: variable([conv.filters], 1, `conv${i}/variance`, true, 1),
              },
            }
          : {}),
      };
      h = outSize(h, conv.stride);
      w = outSize(w, conv.stride);
      c = conv.filters;
      return layer;
    });
    this.flatSize = h * w * c;
    this.hidden = { kernel: variable([this.flatSize, spec.features], this.flatSize, 'features/kernel'), bias: variable([spec.features], 1, 'features/bias', true) };
    this.output = { kernel: variable([spec.features, spec.classes], spec.features, 'logits/kernel'), bias: variable([spec.classes], 1, 'logits/bias', true) };
  }

  /** The trained variables (with BatchNorm: kernels, scales and shifts; the convolution biases are unused). */
  variables(): tf.Variable[] {
    return [...this.convs.flatMap((l) => (l.norm ? [l.kernel, l.norm.gamma, l.norm.beta] : [l.kernel, l.bias])), this.hidden.kernel, this.hidden.bias, this.output.kernel, this.output.bias];
  }

  /** The saved variables (conv kernel and bias, dense kernel and bias), in `weightNames()` order. */
  private savedVariables(): tf.Variable[] {
    if (this.spec.batchNorm) throw new Error('a classifier with BatchNorm is saved through folded()');
    return [...this.convs.flatMap((l) => [l.kernel, l.bias]), this.hidden.kernel, this.hidden.bias, this.output.kernel, this.output.bias];
  }

  /** Sets the BatchNorm population statistics (e.g. averaged from `forward` in training mode). */
  setBatchStatistics(stats: BatchStatistics): void {
    this.convs.forEach((layer, i) => {
      if (!layer.norm) throw new Error('this classifier has no BatchNorm');
      const { mean, variance } = layer.norm;
      tf.tidy(() => {
        mean.assign(tf.tensor1d(stats[i].mean));
        variance.assign(tf.tensor1d(stats[i].variance));
      });
    });
  }

  /**
   * Copies the kernels and dense weights of a trained classifier without BatchNorm whose layers
   * match this one's (a warm start); returns that classifier's convolution biases, which a
   * BatchNorm's shift takes over (`setNormAffine`).
   */
  copyWeightsFrom(plain: Classifier): Float32Array[] {
    if (!this.spec.batchNorm || plain.spec.batchNorm) throw new Error('a warm start copies a classifier without BatchNorm into one with BatchNorm');
    const values = plain.read();
    const names = plain.weightNames();
    const targets = [...this.convs.flatMap((l) => [l.kernel, l.bias]), this.hidden.kernel, this.hidden.bias, this.output.kernel, this.output.bias];
    if (values.length !== targets.length || targets.some((t, i) => t.shape.join('x') !== names[i].shape.join('x'))) {
      throw new Error('the warm-start classifier has other layers than this recipe');
    }
    targets.forEach((t, i) => tf.tidy(() => t.assign(tf.tensor(values[i], t.shape))));
    return this.convs.map((_, i) => values[2 * i + 1]);
  }

  /** Sets the scale and shift of convolution `layer`'s BatchNorm. */
  setNormAffine(layer: number, gamma: Float32Array, beta: Float32Array): void {
    const norm = this.convs[layer].norm;
    if (!norm) throw new Error('this classifier has no BatchNorm');
    tf.tidy(() => {
      norm.gamma.assign(tf.tensor1d(gamma));
      norm.beta.assign(tf.tensor1d(beta));
    });
  }

  /**
   * A classifier without BatchNorm that computes the same function at inference: each BatchNorm
   * folded into its convolution (kernel * gamma / sqrt(variance + eps), bias beta - mean * that).
   */
  folded(): Classifier {
    if (!this.spec.batchNorm) throw new Error('only a classifier with BatchNorm is folded');
    const { batchNorm: _bn, ...plain } = this.spec;
    const result = new Classifier(plain);
    const values: Float32Array[] = [];
    for (const layer of this.convs) {
      const norm = layer.norm!;
      const gamma = norm.gamma.dataSync();
      const beta = norm.beta.dataSync();
      const mean = norm.mean.dataSync();
      const variance = norm.variance.dataSync();
      const kernel = Float32Array.from(layer.kernel.dataSync());
      const filters = layer.spec.filters;
      const bias = new Float32Array(filters);
      const scale = new Float64Array(filters);
      for (let f = 0; f < filters; f++) {
        scale[f] = gamma[f] / Math.sqrt(variance[f] + BATCH_NORM_EPSILON);
        bias[f] = beta[f] - mean[f] * scale[f];
      }
      // Kernel layout [kh, kw, in, out]: the output channel is the fastest axis.
      for (let i = 0; i < kernel.length; i++) kernel[i] *= scale[i % filters];
      values.push(kernel, bias);
    }
    values.push(...[this.hidden.kernel, this.hidden.bias, this.output.kernel, this.output.bias].map((v) => Float32Array.from(v.dataSync())));
    result.assign(values);
    return result;
  }

  /** Keras names and shapes of `variables()`, in the same order (the saved weights manifest). */
  weightNames(): NamedWeight[] {
    return [
      ...this.convs.flatMap((l, i) => [
        { name: `conv${i}/kernel`, shape: l.kernel.shape },
        { name: `conv${i}/bias`, shape: l.bias.shape },
      ]),
      { name: `${FEATURE_LAYER}/kernel`, shape: this.hidden.kernel.shape },
      { name: `${FEATURE_LAYER}/bias`, shape: this.hidden.bias.shape },
      { name: `${LOGITS_LAYER}/kernel`, shape: this.output.kernel.shape },
      { name: `${LOGITS_LAYER}/bias`, shape: this.output.bias.shape },
    ];
  }

  /** Parameters of the saved (inference) model. */
  parameterCount(): number {
    const convs = this.convs.reduce((sum, l) => sum + l.kernel.size + l.bias.size, 0);
    return convs + this.hidden.kernel.size + this.hidden.bias.size + this.output.kernel.size + this.output.bias.size;
  }

  /**
   * Forward pass of images [n, h, w, c] in [-1, 1]. `dropoutMask` ([n, features], values 0 or
   * 1/(1-rate)) is given in training only; without it dropout is the identity (inference).
   */
  forward(images: tf.Tensor4D, dropoutMask?: tf.Tensor2D): ClassifierOutputs {
    if (this.flipAverage && !dropoutMask) {
      return tf.tidy(() => {
        const a = this.forwardWithStatistics(images, undefined, false).outputs;
        const b = this.forwardWithStatistics(tf.reverse(images, 2) as tf.Tensor4D, undefined, false).outputs;
        // The mean of the two softmaxes, returned as its logarithm (softmax of it gives it back).
        const probabilities = tf.div(tf.add(tf.softmax(a.logits), tf.softmax(b.logits)), 2);
        return { features: tf.div(tf.add(a.features, b.features), 2) as tf.Tensor2D, logits: tf.log(tf.maximum(probabilities, 1e-30)) as tf.Tensor2D };
      });
    }
    return this.forwardWithStatistics(images, dropoutMask, false).outputs;
  }

  /**
   * Inference on each image and its left-right mirror, averaged (features, and class
   * probabilities): "flip-average" in the saved model's metadata. Training is unaffected.
   */
  flipAverage = false;

  /**
   * Forward pass; with `training` (and BatchNorm) each convolution is normalised by its batch's
   * statistics, which are returned (as tensors, for the caller to read and dispose); otherwise by
   * the population statistics.
   */
  forwardWithStatistics(images: tf.Tensor4D, dropoutMask: tf.Tensor2D | undefined, training: boolean): { outputs: ClassifierOutputs; statistics: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] } {
    const statistics: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
    const outputs = tf.tidy(() => {
      let x: tf.Tensor4D = images;
      for (const layer of this.convs) {
        const conv = tf.conv2d(x, layer.kernel as tf.Tensor4D, layer.spec.stride, 'same');
        if (layer.norm) {
          let mean: tf.Tensor1D;
          let variance: tf.Tensor1D;
          if (training) {
            const moments = tf.moments(conv, [0, 1, 2]);
            mean = moments.mean as tf.Tensor1D;
            variance = moments.variance as tf.Tensor1D;
            statistics.push({ mean: tf.keep(mean), variance: tf.keep(variance) });
          } else {
            mean = layer.norm.mean as tf.Tensor1D;
            variance = layer.norm.variance as tf.Tensor1D;
          }
          const normalised = tf.mul(tf.sub(conv, mean), tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)));
          x = tf.relu(tf.add(tf.mul(normalised, layer.norm.gamma), layer.norm.beta)) as tf.Tensor4D;
        } else {
          x = tf.relu(tf.add(conv, layer.bias)) as tf.Tensor4D;
        }
      }
      const flat = tf.reshape(x, [images.shape[0], this.flatSize]) as tf.Tensor2D;
      const features = tf.relu(tf.add(tf.matMul(flat, this.hidden.kernel as tf.Tensor2D), this.hidden.bias)) as tf.Tensor2D;
      const dropped = dropoutMask ? tf.mul(features, dropoutMask) : features;
      const logits = tf.add(tf.matMul(dropped, this.output.kernel as tf.Tensor2D), this.output.bias) as tf.Tensor2D;
      return { features, logits };
    });
    return { outputs, statistics };
  }

  /** Sets every variable from `values` (in `variables()` order). */
  assign(values: Float32Array[]): void {
    const vars = this.savedVariables();
    if (values.length !== vars.length) throw new Error(`Expected ${vars.length} weight tensors, got ${values.length}`);
    vars.forEach((v, i) => {
      if (values[i].length !== v.size) throw new Error(`Weight ${this.weightNames()[i].name} has ${values[i].length} values, expected ${v.size}`);
      tf.tidy(() => v.assign(tf.tensor(values[i], v.shape)));
    });
  }

  /** The current weights, in `variables()` order. */
  read(): Float32Array[] {
    return this.savedVariables().map((v) => v.dataSync() as Float32Array);
  }

  dispose(): void {
    for (const l of this.convs) {
      l.kernel.dispose();
      l.bias.dispose();
      if (l.norm) for (const v of Object.values(l.norm)) v.dispose();
    }
    for (const v of [this.hidden.kernel, this.hidden.bias, this.output.kernel, this.output.bias]) v.dispose();
  }
}

/** The Keras topology (Sequential) of `spec`, as tf.loadLayersModel reads it. */
export function classifierTopology(spec: ClassifierSpec, name: string): Record<string, unknown> {
  const layers: { class_name: string; config: Record<string, unknown> }[] = [];
  spec.convs.forEach((conv, i) => {
    layers.push({
      class_name: 'Conv2D',
      config: {
        name: `conv${i}`,
        trainable: true,
        dtype: 'float32',
        ...(i === 0 ? { batch_input_shape: [null, ...spec.input] } : {}),
        filters: conv.filters,
        kernel_size: [conv.kernel, conv.kernel],
        strides: [conv.stride, conv.stride],
        padding: 'same',
        data_format: 'channels_last',
        dilation_rate: [1, 1],
        activation: 'relu',
        use_bias: true,
      },
    });
  });
  layers.push({ class_name: 'Flatten', config: { name: 'flatten', trainable: false, dtype: 'float32' } });
  layers.push({ class_name: 'Dense', config: { name: FEATURE_LAYER, trainable: true, dtype: 'float32', units: spec.features, activation: 'relu', use_bias: true } });
  layers.push({ class_name: 'Dropout', config: { name: 'dropout', trainable: false, dtype: 'float32', rate: spec.dropout } });
  layers.push({ class_name: 'Dense', config: { name: LOGITS_LAYER, trainable: true, dtype: 'float32', units: spec.classes, activation: 'softmax', use_bias: true } });
  return { class_name: 'Sequential', config: { name, layers }, backend: 'tensor_flow.js' };
}

/** Reads the spec back from a saved topology (only the layer kinds `classifierTopology` writes). */
export function specFromTopology(topology: unknown): ClassifierSpec {
  const config = (topology as { config?: { layers?: unknown } })?.config;
  const layers = config?.layers;
  if (!Array.isArray(layers)) throw new Error('the topology has no layer list');
  const convs: ConvLayerSpec[] = [];
  let input: [number, number, number] | undefined;
  let features: number | undefined;
  let classes: number | undefined;
  let dropout = 0;
  for (const layer of layers as { class_name: string; config: Record<string, unknown> }[]) {
    const c = layer.config;
    switch (layer.class_name) {
      case 'Conv2D': {
        if (c.padding !== 'same' || c.activation !== 'relu') throw new Error(`layer ${String(c.name)}: only "same" padding with ReLU is supported`);
        const shape = c.batch_input_shape as (number | null)[] | undefined;
        if (shape) input = shape.slice(1) as [number, number, number];
        convs.push({ filters: Number(c.filters), kernel: (c.kernel_size as number[])[0], stride: (c.strides as number[])[0] });
        break;
      }
      case 'Flatten':
        break;
      case 'Dropout':
        dropout = Number(c.rate);
        break;
      case 'Dense':
        if (c.name === FEATURE_LAYER) features = Number(c.units);
        else if (c.name === LOGITS_LAYER) classes = Number(c.units);
        else throw new Error(`unexpected Dense layer ${String(c.name)}`);
        break;
      default:
        throw new Error(`unsupported layer ${layer.class_name}`);
    }
  }
  if (!input || convs.length === 0 || features === undefined || classes === undefined) {
    throw new Error(`the topology lacks the input shape, convolutions, or the "${FEATURE_LAYER}"/"${LOGITS_LAYER}" layers`);
  }
  return { input, convs, features, dropout, classes };
}
