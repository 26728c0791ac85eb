/**
 * The conditional GAN (one-hot class beside z in G, a projection discriminator) and imageSize 64
 * (one more block in G and D): architecture, a few training steps, the class-row grids of a run.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CONDITIONAL_SAMPLE_COUNT, configDiff, ExperimentConfig, presetConfig, resolveConfig, trainingOptionsSummary } from '../../../src/protocol/experimentConfig';
import { readRun } from '../../../src/common/runReader';
import { REAL_GRID_FILE } from '../../../src/protocol/runFormat';
import { selectBackend } from '../../../src/trainer/backend/select';
import { CLASS_NAMES } from '../../../src/trainer/data/fashionMnist';
import { datasetClassNames } from '../../../src/trainer/data/datasets';
import { architectureOf, buildDcgan, Dcgan, latentTensor, oneHotLabels } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { loadCheckpoint } from '../../../src/trainer/train/checkpoint';
import { SessionEvents, TrainingSession } from '../../../src/trainer/train/session';
import { disposeStep, GanOptimizers, readStep, trainStep } from '../../../src/trainer/train/step';
import { syntheticImages, tempDir, writeImagesFixture, writeLabelsFixture } from '../helpers';
import { openFakeEvaluator } from '../evaluator/fakeEvaluator';
import { normalizePixel, preprocessImages, resizeBilinearU8 } from '../../../src/trainer/data/preprocess';
import { REPO_ROOT } from '../helpers';
import { readQuality } from '../../../src/common/qualityFiles';

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

function dispose(model: Dcgan): void {
  model.generator.dispose();
  model.discriminator.dispose();
}

describe('conditional GAN and 64x64 images', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('validates the keys: conditional sets sampleCount 80 (10 rows of 8), refuses another, and imageSize is 32 or 64', () => {
    const ok = resolveConfig({ preset: 'quick', conditional: true, imageSize: 64 });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.config.sampleCount, CONDITIONAL_SAMPLE_COUNT);
    assert.equal(ok.config.imageSize, 64);
    const count = resolveConfig({ conditional: true, sampleCount: 64 });
    assert.deepEqual(count.problems.map((p) => p.key), ['sampleCount']);
    assert.match(count.problems[0].message, /must be 80/);
    const size = resolveConfig({ imageSize: 48 });
    assert.deepEqual(size.problems.map((p) => p.key), ['imageSize']);
    assert.match(size.problems[0].message, /must be 32 or 64, not 48/);
    assert.equal(presetConfig('reference').conditional, false);
    assert.equal(presetConfig('reference').imageSize, 32);
    // What the dashboard header, the Runs tree tooltip and Copy Config as Experiment File show.
    assert.deepEqual(trainingOptionsSummary(ok.config), ['conditional', '64x64']);
    assert.deepEqual(trainingOptionsSummary(presetConfig('quick')), []);
    assert.deepEqual(configDiff(ok.config), { preset: 'quick', sampleCount: 80, conditional: true, imageSize: 64 });
  });

  it('runs conditional on the data sets whose labels it reads (fashion-mnist, cifar10) and refuses the others by name', () => {
    assert.deepEqual(resolveConfig({ conditional: true, dataset: 'cifar10' }).problems, []);
    for (const dataset of ['mnist', 'kmnist', 'folder'] as const) {
      const { problems } = resolveConfig({ conditional: true, dataset, datasetPath: dataset === 'folder' ? '/tmp/images' : null });
      assert.deepEqual(problems.map((p) => p.key), ['conditional'], dataset);
      assert.match(problems[0].message, new RegExp(`not for "${dataset}".*Set "conditional": false`));
    }
    // Grid rows and exports name the classes of the run's data set.
    assert.deepEqual(datasetClassNames('cifar10').slice(0, 2), ['airplane', 'automobile']);
    assert.deepEqual(datasetClassNames(undefined), [...CLASS_NAMES]);
  });

  it('resizes 28x28 to 64x64 exactly as PIL does (the 32 path\'s filter; test/fixtures/make_pil_golden.py)', () => {
    const golden = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/pil-resize-golden-64.json'), 'utf8')) as { cases: { input: number[]; output: number[] }[] };
    for (const c of golden.cases) {
      assert.deepEqual(Array.from(resizeBilinearU8(Uint8Array.from(c.input), 28, 28, 64, 64)), c.output);
      // What the training set holds: the same pixels, normalised.
      assert.deepEqual(Array.from(preprocessImages(Uint8Array.from(c.input), 28, 64)), c.output.map((v) => Math.fround(normalizePixel(v))));
    }
  });

  it('64x64: the DCGAN paper\'s networks (G 3,574,656; D 2,763,520 parameters at width 64), images (B,64,64,1), one logit each', () => {
    const model = buildDcgan(100, 64, new Rng(42), { imageSize: 64 });
    try {
      assert.equal(model.generator.trainableParameterCount(), 3574656);
      assert.equal(model.discriminator.trainableParameterCount(), 2763520);
    } finally {
      dispose(model);
    }
    const small = buildDcgan(100, 4, new Rng(1), { imageSize: 64 });
    tf.tidy(() => {
      const images = small.generator.forward(tf.randomNormal([3, 1, 1, 100]), 'train');
      assert.deepEqual(images.shape, [3, 64, 64, 1]);
      assert.deepEqual(small.discriminator.forward(images, 'train').shape, [3, 1, 1, 1]);
    });
    dispose(small);
  });

  it('conditional: G takes 10 more input channels, D a class embedding [10, 4f]', () => {
    const conditional = buildDcgan(100, 64, new Rng(42), architectureOf({ conditional: true }));
    const plain = buildDcgan(100, 64, new Rng(42));
    try {
      assert.equal(conditional.generator.trainableParameterCount() - plain.generator.trainableParameterCount(), 10 * 256 * 16);
      assert.equal(conditional.discriminator.trainableParameterCount() - plain.discriminator.trainableParameterCount(), 10 * 256);
      assert.ok(conditional.discriminator.variableNames.includes('D/embed'));
      assert.ok(!plain.discriminator.variableNames.includes('D/embed'));
    } finally {
      dispose(conditional);
      dispose(plain);
    }
  });

  it('a projection D adds <embedding(y), sum-pooled penultimate features> to the logit: zero embedding, the same logit for every class', () => {
    const model = buildDcgan(8, 4, new Rng(5), { classes: 10 });
    try {
      tf.tidy(() => {
        const images = tf.randomUniform([2, 32, 32, 1], -1, 1) as tf.Tensor4D;
        const a = model.discriminator.forward(images, 'eval', oneHotLabels([0, 0], 10)).dataSync();
        const b = model.discriminator.forward(images, 'eval', oneHotLabels([3, 7], 10)).dataSync();
        assert.ok(a[0] !== b[0] && a[1] !== b[1], 'the class changes D\'s logit');
        model.discriminator.embedding!.assign(tf.zerosLike(model.discriminator.embedding!));
        const c = model.discriminator.forward(images, 'eval', oneHotLabels([0, 0], 10)).dataSync();
        const d = model.discriminator.forward(images, 'eval', oneHotLabels([3, 7], 10)).dataSync();
        assert.deepEqual([...c], [...d]);
      });
      assert.throws(() => tf.tidy(() => model.discriminator.forward(tf.zeros([1, 32, 32, 1]), 'eval')), /conditional: it needs the class labels/);
    } finally {
      dispose(model);
    }
  });

  it('trains a few conditional steps (32 and 64 pixels), and the class input changes G\'s output for the same latent', async () => {
    for (const imageSize of [32, 64]) {
      const latent = 16;
      const model = buildDcgan(latent, 4, new Rng(11), { classes: 10, imageSize });
      const optimizers = new GanOptimizers(presetConfig('smoke'));
      const noiseRng = new Rng(3);
      const before = tf.memory().numTensors;
      try {
        for (let step = 0; step < 3; step++) {
          const real = new Float32Array(4 * imageSize * imageSize).map((_, i) => Math.sin(i + step));
          const out = trainStep(model, optimizers, real, noiseRng.fillNormal(new Float32Array(4 * latent)), { labels: { real: [0, 1, 2, 3], fake: [4, 5, 6, 7] } });
          const values = await readStep(out);
          disposeStep(out);
          assert.ok(Number.isFinite(values.lossD) && Number.isFinite(values.lossG), `finite losses at ${imageSize}`);
          if (step === 0) assert.equal(tf.memory().numTensors - before > 0, true); // Adam's moments appear on the first step
        }
        const steady = tf.memory().numTensors;
        const out = trainStep(model, optimizers, new Float32Array(4 * imageSize * imageSize), noiseRng.fillNormal(new Float32Array(4 * latent)), { labels: { real: [0, 1, 2, 3], fake: [0, 1, 2, 3] } });
        disposeStep(out);
        assert.equal(tf.memory().numTensors, steady, 'no tensor leaks per step');
        const z = new Rng(9).fillNormal(new Float32Array(latent));
        const [shirt, boot] = tf.tidy(() =>
          [1, 9].map((label) => model.generator.forward(latentTensor(z, latent), 'eval', oneHotLabels([label], 10)).dataSync() as Float32Array),
        );
        assert.equal(shirt.length, imageSize * imageSize);
        const difference = shirt.reduce((sum, v, i) => sum + Math.abs(v - boot[i]), 0) / shirt.length;
        assert.ok(difference > 1e-5, `class 1 and class 9 give different images (mean |difference| ${difference})`);
      } finally {
        dispose(model);
        optimizers.dispose();
      }
    }
  });

  it('a conditional run writes class-row grids (10 x 8), labels its rows in run.json and saves the embedding in its checkpoints', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 80);
    writeLabelsFixture(dataDir, 80);
    const config: ExperimentConfig = {
      ...resolveConfig({ preset: 'smoke', conditional: true, imageSize: 64 }).config,
      backend: 'cpu', batchSize: 8, trainSubset: 80, featureSize: 4, maxSteps: 3, sampleEvery: 2,
    };
    const session = await TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true }, quiet);
    await session.run();
    const run = readRun(session.runDir);
    assert.ok(run.ok);
    assert.deepEqual(run.manifest.gridRows, [...CLASS_NAMES]);
    const pitch = 64 + 2;
    for (const file of [REAL_GRID_FILE, ...run.manifest.samples.map((s) => s.file)]) {
      assert.deepEqual(pngSize(fs.readFileSync(path.join(session.runDir, file))), [8 * pitch + 2, 10 * pitch + 2], `${file} is 8 columns x 10 rows of 64x64`);
    }
    const last = run.manifest.checkpoints[run.manifest.checkpoints.length - 1];
    const checkpoint = loadCheckpoint(path.join(session.runDir, 'checkpoints', last.id));
    assert.deepEqual(checkpoint.tensors.get('D/embed')?.length, 10 * 32, 'at 64x64 the penultimate features have 8f channels');
    assert.ok(checkpoint.tensors.has('optimizer/D/D/embed/m'), 'Adam\'s moments of the embedding');
  });

  it('a conditional 64x64 run is evaluated (its images averaged down to the evaluator\'s 32x32, every class asked for)', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 16);
    writeLabelsFixture(dataDir, 16);
    const config: ExperimentConfig = {
      ...resolveConfig({ preset: 'smoke', conditional: true, imageSize: 64 }).config,
      backend: 'cpu', batchSize: 8, trainSubset: 16, featureSize: 4, maxSteps: 2, evalEvery: 2, evalAfter: 0, evalSamples: 64,
    };
    const real = preprocessImages(syntheticImages(40), 28, 32);
    const session = await TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true }, quiet, { openEvaluator: () => openFakeEvaluator(real) });
    await session.run();
    const records = readQuality(session.runDir).records;
    assert.deepEqual(records.map((r) => [r.step, r.samples]), [[2, 64]]);
    assert.ok(Number.isFinite(records[0].fid));
  });

  it('a conditional run without a labels file says which file it needs', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 16);
    const config: ExperimentConfig = { ...resolveConfig({ preset: 'smoke', conditional: true }).config, backend: 'cpu', batchSize: 8, trainSubset: 16 };
    const nowhere = tempDir();
    await assert.rejects(
      TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true, cacheDir: nowhere }, quiet, { systemDataDir: nowhere }),
      /train-labels-idx1-ubyte/,
    );
  });
});
