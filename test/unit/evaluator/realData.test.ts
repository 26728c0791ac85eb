/** The committed FashionMNIST evaluator on the real data (needs the data set: see helpers.realDataDir). */
import * as assert from 'node:assert/strict';
import { selectBackend } from '../../../src/trainer/backend/select';
import { classifierFeatures } from '../../../src/trainer/evaluator/qualityEvaluator';
import { featureSet, fitGaussian, frechetDistance } from '../../../src/trainer/evaluator/metrics';
import { evaluatorFor, evaluatorModelDir, FASHION_MNIST_V2 } from '../../../src/trainer/evaluator/registry';
import { loadEvaluatorModel, LoadedEvaluator } from '../../../src/trainer/evaluator/savedModel';
import { accuracy, LabelledImages } from '../../../src/trainer/evaluator/trainClassifier';
import { Rng } from '../../../src/trainer/rng';
import { realDataDir } from '../helpers';

const PER = 32 * 32;
const N = 1000;

describe('the FashionMNIST evaluator on real images', () => {
  let loaded: LoadedEvaluator;
  let train: LabelledImages;
  let test: LabelledImages;
  before(async () => {
    await selectBackend('auto');
    loaded = loadEvaluatorModel(evaluatorModelDir(FASHION_MNIST_V2.version));
    const locate = { dataDirs: [realDataDir()], offline: true };
    train = await FASHION_MNIST_V2.loadSplit('train', locate);
    test = await FASHION_MNIST_V2.loadSplit('test', locate);
  });
  after(() => loaded?.classifier.dispose());

  it('is registered by data set, and an unknown data set is refused with what exists', () => {
    assert.equal(evaluatorFor('fashion-mnist').version, 'fmnist-v2');
    assert.throws(() => evaluatorFor('cifar10'), /No evaluator is registered for the data set "cifar10"/);
  });

  it('classifies real test images (the model card states the full test-split figure)', () => {
    // fmnist-v2: 92.09 % on the 10,000 test images with flip-averaged inference (docs/evaluator.md).
    assert.equal(loaded.metadata.inference, 'flip-average');
    assert.ok(loaded.classifier.flipAverage);
    assert.ok(loaded.metadata.testAccuracy >= 0.92, `recorded test accuracy ${loaded.metadata.testAccuracy}`);
    const part = { images: test.images.subarray(0, 2000 * PER), labels: test.labels.subarray(0, 2000) };
    assert.ok(accuracy(loaded.classifier, part) > 0.9);
  });

  it('gives real train vs real test an FID near 0, far below noise and a single repeated image', () => {
    const fid = (a: Float32Array, b: Float32Array) =>
      frechetDistance(
        fitGaussian(featureSet(classifierFeatures(loaded.classifier, a).features, loaded.classifier.spec.features)),
        fitGaussian(featureSet(classifierFeatures(loaded.classifier, b).features, loaded.classifier.spec.features)),
      );
    const realTest = test.images.subarray(0, N * PER);
    const realTrain = train.images.subarray(0, N * PER);
    const noise = new Rng(3).fillUniform(new Float32Array(N * PER), -1, 1);
    const repeated = new Float32Array(N * PER);
    for (let i = 0; i < N; i++) repeated.set(train.images.subarray(0, PER), i * PER);
    // One image repeated has a singular covariance: add a whisper of noise so the fit is defined.
    const jitter = new Rng(4);
    for (let i = 0; i < repeated.length; i++) repeated[i] += 1e-3 * jitter.normal();
    const real = fid(realTrain, realTest);
    const vsNoise = fid(noise, realTest);
    const vsRepeated = fid(repeated, realTest);
    assert.ok(real < 0.05 * vsNoise, `real ${real} vs noise ${vsNoise}`);
    assert.ok(real < 0.05 * vsRepeated, `real ${real} vs repeated ${vsRepeated}`);
  });
});
