/**
 * Trains an evaluator classifier (`npm run train-evaluator`): seeded weights, batch order,
 * flips and dropout masks, Adam with a step-decayed learning rate, on the trainer's own backend
 * and preprocessing (32x32, [-1, 1]). Reports the test-split accuracy after every epoch (the
 * model is the one after the last epoch; the test split never chooses it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../rng';
import { Classifier, ClassifierSpec, FEATURE_LAYER } from './classifier';
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
  /** Epochs after which the learning rate is halved. */
  decayAt: number[];
  /** Mirror each training image left-right with probability 1/2. */
  flip: boolean;
  /** Stop each epoch after this many batches (smoke tests); default all. */
  maxBatchesPerEpoch?: number;
  log: (line: string) => void;
}

export interface TrainClassifierResult {
  classifier: Classifier;
  testAccuracy: number;
  epochAccuracies: number[];
  seconds: number;
}

const RNG_STREAMS = { weights: 11, order: 12, augment: 13 } as const;

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
  const optimizer = tf.train.adam(options.learningRate, 0.9, 0.999, 1e-7);
  const augment = new Rng(options.seed, RNG_STREAMS.augment);
  const started = Date.now();
  const epochAccuracies: number[] = [];
  let lr = options.learningRate;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (options.decayAt.includes(epoch)) {
      lr /= 2;
      // AdamOptimizer reads its learning rate on every step; TensorFlow.js has no public setter.
      (optimizer as unknown as { learningRate: number }).learningRate = lr;
    }
    const order = new Rng(options.seed, RNG_STREAMS.order * 1000 + epoch).permutation(n);
    const batches = Math.min(Math.ceil(n / options.batchSize), options.maxBatchesPerEpoch ?? Infinity);
    let lossSum = 0;
    const epochStart = Date.now();
    for (let b = 0; b < batches; b++) {
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
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(images, [count, h, w, c]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), spec.classes);
        const m = tf.tensor2d(mask, [count, spec.features]);
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, classifier.forward(x, m).logits) as tf.Scalar, true, classifier.variables()) as tf.Scalar;
      });
      lossSum += loss.dataSync()[0];
      loss.dispose();
      if ((b + 1) % 100 === 0) options.log(`epoch ${epoch + 1} batch ${b + 1}/${batches} loss ${(lossSum / (b + 1)).toFixed(4)} (${((Date.now() - epochStart) / 1000).toFixed(0)} s)`);
    }
    const acc = accuracy(classifier, test);
    epochAccuracies.push(acc);
    options.log(`epoch ${epoch + 1}/${options.epochs}: lr ${lr.toExponential(2)}, train loss ${(lossSum / batches).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)} % (${((Date.now() - epochStart) / 1000).toFixed(0)} s)`);
  }
  optimizer.dispose();
  return { classifier, testAccuracy: epochAccuracies[epochAccuracies.length - 1], epochAccuracies, seconds: (Date.now() - started) / 1000 };
}

export function saveTrainedEvaluator(dir: string, result: TrainClassifierResult, base: Omit<EvaluatorMetadata, 'testAccuracy' | 'featureLayer'>): void {
  writeEvaluatorModel(dir, result.classifier, { ...base, featureLayer: FEATURE_LAYER, testAccuracy: result.testAccuracy });
}
