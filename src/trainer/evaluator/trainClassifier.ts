/**
 * Trains an evaluator classifier (`npm run train-evaluator`): seeded weights, batch order,
 * flips and dropout masks, Adam with a step-decayed learning rate, on the trainer's own backend
 * and preprocessing (32x32, [-1, 1]). Reports the test-split accuracy after every epoch (the
 * model is the one after the last epoch; the test split never chooses it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import { BATCH_NORM_EPSILON, BatchStatistics, Classifier, ClassifierSpec, FEATURE_LAYER } from './classifier';
import { EvaluatorMetadata, writeEvaluatorModel } from './savedModel';

export interface LabelledImages {
  /** n images of h*w*c floats in [-1, 1], NHWC. */
  images: Float32Array;
  labels: Uint8Array;
}

export interface TrainClassifierOptions {
  spec: ClassifierSpec;
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs after which the learning rate is halved (schedule "step"). */
  decayAt: number[];
  /** "step": halved before each epoch of `decayAt`; "cosine": from `learningRate` to 0 over all batches (half a cosine). Default "step". */
  schedule?: 'step' | 'cosine';
  /** With BatchNorm: training images whose batch statistics (averaged) become the population statistics. Default 10,000. */
  statisticsImages?: number;
  /** Mirror each training image left-right with probability 1/2. */
  flip: boolean;
  /** Stop each epoch after this many batches (smoke tests); default all. */
  maxBatchesPerEpoch?: number;
  log: (line: string) => void;
  /**
   * Warm start (spec with BatchNorm): a trained classifier without BatchNorm of the same layers.
   * Its weights are copied and each BatchNorm starts as the identity on its convolution's output
   * (scale sqrt(variance + eps), shift mean + the old bias, layer by layer on the statistics of
   * 2,000 training images), so training continues from that classifier's function.
   */
  init?: Classifier;
  /** Called after each epoch with the model (folded, for BatchNorm) and its test accuracy; the caller may save it. */
  onEpoch?: (epoch: number, model: Classifier, accuracy: number) => void;
}

export interface TrainClassifierResult {
  classifier: Classifier;
  testAccuracy: number;
  epochAccuracies: number[];
  seconds: number;
}

const RNG_STREAMS = { weights: 11, order: 12, augment: 13, statistics: 14 } as const;

/** The learning rate of batch `t` of `total` under `options`' schedule (step: the epoch's rate). */
export function scheduledRate(options: Pick<TrainClassifierOptions, 'learningRate' | 'decayAt' | 'schedule'>, epoch: number, t: number, total: number): number {
  if (options.schedule === 'cosine') return options.learningRate * 0.5 * (1 + Math.cos((Math.PI * t) / total));
  return options.learningRate / 2 ** options.decayAt.filter((e) => e <= epoch).length;
}

/**
 * BatchNorm population statistics: the per-channel batch means and variances of `count` training
 * images (batches of 250, fixed seeded choice, no flips), averaged over the batches ("precise BN").
 */
export function estimateBatchStatistics(classifier: Classifier, train: LabelledImages, count: number, seed: number): BatchStatistics {
  const [h, w, c] = classifier.spec.input;
  const per = h * w * c;
  const n = train.labels.length;
  const chosen = new Rng(seed, RNG_STREAMS.statistics).permutation(n).slice(0, Math.min(count, n));
  const batch = 250;
  let sums: { mean: Float64Array; variance: Float64Array }[] | undefined;
  let batches = 0;
  for (let start = 0; start < chosen.length; start += batch) {
    const size = Math.min(batch, chosen.length - start);
    const images = new Float32Array(size * per);
    for (let i = 0; i < size; i++) images.set(train.images.subarray(chosen[start + i] * per, (chosen[start + i] + 1) * per), i * per);
    const x = tf.tensor4d(images, [size, h, w, c]);
    const { outputs, statistics } = classifier.forwardWithStatistics(x, undefined, true);
    x.dispose();
    outputs.features.dispose();
    outputs.logits.dispose();
    sums ??= statistics.map((s) => ({ mean: new Float64Array(s.mean.size), variance: new Float64Array(s.variance.size) }));
    statistics.forEach((s, i) => {
      const mean = s.mean.dataSync();
      const variance = s.variance.dataSync();
      for (let k = 0; k < mean.length; k++) {
        sums![i].mean[k] += mean[k];
        sums![i].variance[k] += variance[k];
      }
      s.mean.dispose();
      s.variance.dispose();
    });
    batches++;
  }
  return (sums ?? []).map((s) => ({ mean: Float32Array.from(s.mean, (v) => v / batches), variance: Float32Array.from(s.variance, (v) => v / batches) }));
}

/** Fraction of `set` that `classifier` labels correctly. */
export function accuracy(classifier: Classifier, set: LabelledImages, batchSize = 500): number {
  const [h, w, c] = classifier.spec.input;
  const per = h * w * c;
  const n = set.labels.length;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const count = Math.min(batchSize, n - start);
    const predicted = tf.tidy(() => {
      const x = tf.tensor4d(set.images.subarray(start * per, (start + count) * per), [count, h, w, c]);
      return tf.argMax(classifier.forward(x).logits, 1).dataSync();
    });
    for (let i = 0; i < count; i++) if (predicted[i] === set.labels[start + i]) correct++;
  }
  return correct / n;
}

function flipRows(buffer: Float32Array, image: number, h: number, w: number): void {
  const base = image * h * w;
  for (let y = 0; y < h; y++) {
    const row = base + y * w;
    for (let x = 0; x < w / 2; x++) {
      const t = buffer[row + x];
      buffer[row + x] = buffer[row + w - 1 - x];
      buffer[row + w - 1 - x] = t;
    }
  }
}

export function trainClassifier(train: LabelledImages, test: LabelledImages, options: TrainClassifierOptions): TrainClassifierResult {
  const { spec } = options;
  const [h, w, c] = spec.input;
  if (c !== 1) throw new Error('trainClassifier flips single-channel images only');
  const per = h * w * c;
  const n = train.labels.length;
  const classifier = new Classifier(spec, new Rng(options.seed, RNG_STREAMS.weights));
  if (options.init) {
    const biases = classifier.copyWeightsFrom(options.init);
    biases.forEach((bias, layer) => {
      const stats = estimateBatchStatistics(classifier, train, 2000, options.seed)[layer];
      classifier.setNormAffine(
        layer,
        stats.variance.map((v) => Math.sqrt(v + BATCH_NORM_EPSILON)),
        stats.mean.map((m, c) => m + bias[c]),
      );
    });
    classifier.setBatchStatistics(estimateBatchStatistics(classifier, train, options.statisticsImages ?? 10_000, options.seed));
    const start = classifier.folded();
    options.log(`warm start: test accuracy ${(100 * accuracy(start, test)).toFixed(2)} % before training (the initial classifier: ${(100 * accuracy(options.init, test)).toFixed(2)} %)`);
    start.dispose();
  }
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.999, 1e-7);
  const augment = new Rng(options.seed, RNG_STREAMS.augment);
  const started = Date.now();
  const epochAccuracies: number[] = [];
  let lr = options.learningRate;
  const batches = Math.min(Math.ceil(n / options.batchSize), options.maxBatchesPerEpoch ?? Infinity);
  const totalBatches = batches * options.epochs;
  let model: Classifier = classifier;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = new Rng(options.seed, RNG_STREAMS.order * 1000 + epoch).permutation(n);
    let lossSum = 0;
    const epochStart = Date.now();
    for (let b = 0; b < batches; b++) {
      lr = scheduledRate(options, epoch, epoch * batches + b, totalBatches);
      // AdamOptimizer reads its learning rate on every step; TensorFlow.js has no public setter.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
      const count = Math.min(options.batchSize, n - b * options.batchSize);
      const images = new Float32Array(count * per);
      const labels = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const src = order[b * options.batchSize + i];
        images.set(train.images.subarray(src * per, (src + 1) * per), i * per);
        labels[i] = train.labels[src];
        if (options.flip && augment.uniform() < 0.5) flipRows(images, i, h, w);
      }
      const mask = new Float32Array(count * spec.features);
      const keep = 1 - spec.dropout;
      for (let i = 0; i < mask.length; i++) mask[i] = augment.uniform() < keep ? 1 / keep : 0;
      const kept: tf.Tensor[] = [];
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(images, [count, h, w, c]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), spec.classes);
        const m = tf.tensor2d(mask, [count, spec.features]);
        return optimizer.minimize(
          () => {
            const { outputs, statistics } = classifier.forwardWithStatistics(x, m, true);
            for (const s of statistics) kept.push(s.mean, s.variance);
            return tf.losses.softmaxCrossEntropy(y, outputs.logits) as tf.Scalar;
          },
          true,
          classifier.variables(),
        ) as tf.Scalar;
      });
      tf.dispose(kept);
      lossSum += loss.dataSync()[0];
      loss.dispose();
      if ((b + 1) % 50 === 0) {
        const seconds = (Date.now() - epochStart) / 1000;
        options.log(`epoch ${epoch + 1}/${options.epochs} batch ${b + 1}/${batches} loss ${(lossSum / (b + 1)).toFixed(4)} lr ${lr.toExponential(2)} (${seconds.toFixed(0)} s, about ${((seconds / (b + 1)) * (batches - b - 1)).toFixed(0)} s left in the epoch)`);
      }
    }
    if (spec.batchNorm) {
      classifier.setBatchStatistics(estimateBatchStatistics(classifier, train, options.statisticsImages ?? 10_000, options.seed));
      if (model !== classifier) model.dispose();
      model = classifier.folded();
    }
    const acc = accuracy(model, test);
    epochAccuracies.push(acc);
    const elapsed = (Date.now() - started) / 1000;
    options.log(
      `epoch ${epoch + 1}/${options.epochs}: lr ${lr.toExponential(2)}, train loss ${(lossSum / batches).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)} % (${((Date.now() - epochStart) / 1000).toFixed(0)} s; ${elapsed.toFixed(0)} s in all, about ${((elapsed / (epoch + 1)) * (options.epochs - epoch - 1)).toFixed(0)} s left)`,
    );
    options.onEpoch?.(epoch, model, acc);
  }
  optimizer.dispose();
  if (model !== classifier) classifier.dispose();
  return { classifier: model, testAccuracy: epochAccuracies[epochAccuracies.length - 1], epochAccuracies, seconds: (Date.now() - started) / 1000 };
}

export function saveTrainedEvaluator(dir: string, result: TrainClassifierResult, base: Omit<EvaluatorMetadata, 'testAccuracy' | 'featureLayer'>): void {
  writeEvaluatorModel(dir, result.classifier, { ...base, featureLayer: FEATURE_LAYER, testAccuracy: result.testAccuracy });
}
