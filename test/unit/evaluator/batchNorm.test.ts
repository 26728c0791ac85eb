/** The evaluator's BatchNorm: folded into the saved convolutions, trained, and warm-started as the identity. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/trainer/backend/select';
import { Classifier, ClassifierSpec } from '../../../src/trainer/evaluator/classifier';
import { loadEvaluatorModel, writeEvaluatorModel } from '../../../src/trainer/evaluator/savedModel';
import { estimateBatchStatistics, scheduledRate, trainClassifier } from '../../../src/trainer/evaluator/trainClassifier';
import { Rng } from '../../../src/trainer/rng';
import { tempDir } from '../helpers';

const PLAIN: ClassifierSpec = { input: [32, 32, 1], convs: [{ filters: 4, kernel: 3, stride: 2 }, { filters: 6, kernel: 3, stride: 4 }], features: 8, dropout: 0, classes: 10 };
const WITH_BN: ClassifierSpec = { ...PLAIN, batchNorm: true };

function images(n: number, seed: number): { images: Float32Array; labels: Uint8Array } {
  const rng = new Rng(seed);
  return { images: rng.fillUniform(new Float32Array(n * 32 * 32), -1, 1), labels: Uint8Array.from({ length: n }, (_, i) => i % 10) };
}

function outputs(c: Classifier, x: Float32Array, n: number): { features: Float32Array; logits: Float32Array } {
  return tf.tidy(() => {
    const out = c.forward(tf.tensor4d(x, [n, 32, 32, 1]));
    return { features: out.features.dataSync() as Float32Array, logits: out.logits.dataSync() as Float32Array };
  });
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('evaluator BatchNorm', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('folded into the convolutions, computes what the BatchNorm network computes at inference, and saves as plain Conv2D', () => {
    const c = new Classifier(WITH_BN, new Rng(1));
    const data = images(300, 2);
    c.setBatchStatistics(estimateBatchStatistics(c, data, 300, 3));
    c.setNormAffine(0, Float32Array.from([0.5, 1.5, 2, 1]), Float32Array.from([0.1, -0.2, 0, 0.3]));
    const folded = c.folded();
    const x = images(20, 4).images;
    const a = outputs(c, x, 20);
    const b = outputs(folded, x, 20);
    assert.ok(maxDiff(a.features, b.features) < 1e-4 && maxDiff(a.logits, b.logits) < 1e-4, `${maxDiff(a.logits, b.logits)}`);
    assert.equal(folded.spec.batchNorm, undefined);
    const dir = path.join(tempDir(), 'model');
    writeEvaluatorModel(dir, folded, { version: 'test-bn', dataset: 'x', classNames: [], inputRange: [-1, 1], featureLayer: 'features', testAccuracy: 0, training: {} });
    const loaded = loadEvaluatorModel(dir);
    assert.ok(maxDiff(outputs(loaded.classifier, x, 20).logits, a.logits) < 1e-4);
    assert.equal(loaded.classifier.parameterCount(), c.parameterCount());
    for (const m of [c, folded, loaded.classifier]) m.dispose();
  });

  it('a warm start from a plain classifier begins with that classifier’s function, and training changes it', () => {
    const plain = new Classifier(PLAIN, new Rng(5));
    const train = images(400, 6);
    const test = images(100, 7);
    const before = outputs(plain, test.images, 100).logits;
    const lines: string[] = [];
    let first: Float32Array | undefined;
    const result = trainClassifier(train, test, {
      spec: WITH_BN,
      init: plain,
      seed: 1,
      epochs: 1,
      batchSize: 50,
      learningRate: 1e-3,
      decayAt: [],
      schedule: 'cosine',
      flip: false,
      maxBatchesPerEpoch: 2,
      statisticsImages: 400,
      log: (l) => lines.push(l),
      onEpoch: (_e, model) => (first = outputs(model, test.images, 100).logits),
    });
    const start = lines.find((l) => l.startsWith('warm start:'));
    assert.ok(start, lines.join('\n'));
    const [startAcc, initAcc] = [...start.matchAll(/([\d.]+) %/g)].map((m) => Number(m[1]));
    assert.ok(Math.abs(startAcc - initAcc) <= 3, start);
    assert.ok(first && maxDiff(first, before) > 1e-3, 'two batches of training moved the function');
    result.classifier.dispose();
    plain.dispose();
  });

  it('the cosine schedule falls from the learning rate to 0; the step schedule halves at its epochs', () => {
    const cosine = { learningRate: 1, decayAt: [], schedule: 'cosine' as const };
    assert.equal(scheduledRate(cosine, 0, 0, 100), 1);
    assert.ok(Math.abs(scheduledRate(cosine, 0, 50, 100) - 0.5) < 1e-12);
    assert.ok(scheduledRate(cosine, 0, 99, 100) < 0.001);
    const step = { learningRate: 1, decayAt: [3, 5] };
    assert.deepEqual([0, 2, 3, 4, 5, 6].map((e) => scheduledRate(step, e, 0, 1)), [1, 1, 0.5, 0.5, 0.25, 0.25]);
  });

  it('flip-average inference: the mean of the image and its mirror, switched on by the saved metadata', () => {
    const c = new Classifier(PLAIN, new Rng(9));
    const x = images(6, 10).images;
    const mirrored = new Float32Array(x.length);
    for (let i = 0; i < 6; i++) for (let r = 0; r < 32; r++) for (let q = 0; q < 32; q++) mirrored[i * 1024 + r * 32 + q] = x[i * 1024 + r * 32 + 31 - q];
    const a = outputs(c, x, 6);
    const b = outputs(c, mirrored, 6);
    const dir = path.join(tempDir(), 'flip');
    writeEvaluatorModel(dir, c, { version: 'test-flip', dataset: 'x', classNames: [], inputRange: [-1, 1], featureLayer: 'features', testAccuracy: 0, training: {}, inference: 'flip-average' });
    const loaded = loadEvaluatorModel(dir);
    assert.equal(loaded.classifier.flipAverage, true);
    const both = outputs(loaded.classifier, x, 6);
    assert.ok(maxDiff(both.features, a.features.map((v, i) => (v + b.features[i]) / 2)) < 1e-5);
    const softmax = (l: Float32Array, row: number) => {
      const z = Array.from(l.subarray(row * 10, row * 10 + 10));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((p, q) => p + q, 0);
      return e.map((v) => v / sum);
    };
    for (let row = 0; row < 6; row++) {
      const expected = softmax(a.logits, row).map((p, k) => (p + softmax(b.logits, row)[k]) / 2);
      softmax(both.logits, row).forEach((p, k) => assert.ok(Math.abs(p - expected[k]) < 1e-5));
    }
    assert.equal(outputs(c, x, 6).features.length, a.features.length, 'a classifier without the flag makes one pass');
    c.dispose();
    loaded.classifier.dispose();
  });
});
