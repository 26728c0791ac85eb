/**
 * The losses and stabilisers of the experiment space: each loss's value and gradient on a
 * hand-computed case, their validation, spectral normalisation's power iteration against a known
 * largest singular value, the moving average of G, and training iterations with every option on.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { configDiff, LossChoice, presetConfig, resolveConfig, trainingOptionsSummary } from '../../../src/protocol/experimentConfig';
import { selectBackend } from '../../../src/trainer/backend/select';
import { buildDcgan, Dcgan, generatorSpec, Network, powerIteration, spectralNormEstimate } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { bceWithLogitsTarget, discriminatorLoss, generatorLoss } from '../../../src/trainer/train/losses';
import { disposeStep, GanOptimizers, trainStep } from '../../../src/trainer/train/step';
import { readRun } from '../../../src/common/runReader';
import { LoadedGenerator } from '../../../src/generator/loadedGenerator';
import { hasGeneratorEma, loadCheckpoint, restoreModel } from '../../../src/trainer/train/checkpoint';
import { SessionEvents, TrainingSession } from '../../../src/trainer/train/session';
import { closeTo, tempDir, writeImagesFixture } from '../helpers';

/** The loss and its gradient with respect to the logits, as plain numbers. */
function valueAndGrad(f: (x: tf.Tensor) => tf.Scalar, logits: number[]): { value: number; grad: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor1d(logits);
    const { value, grad } = tf.valueAndGrad(f)(x);
    return { value: value.dataSync()[0], grad: [...grad.dataSync()] };
  });
}

/** D's loss and its gradients with respect to the real and the fake logits. */
function dLoss(loss: LossChoice, real: number[], fake: number[], smoothing = 0): { value: number; gradReal: number[]; gradFake: number[] } {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads((r: tf.Tensor, f: tf.Tensor) => discriminatorLoss(loss, r, f, smoothing))([tf.tensor1d(real), tf.tensor1d(fake)]);
    return { value: value.dataSync()[0], gradReal: [...grads[0].dataSync()], gradFake: [...grads[1].dataSync()] };
  });
}

const near = (actual: number[], expected: number[], label: string) => actual.forEach((a, i) => closeTo(a, expected[i], 1e-6, `${label}[${i}]`));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('losses', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('bce: D = -log σ(real) - log(1 - σ(fake)), G = -log σ(fake), gradients σ(x) - target over n', () => {
    // real logits 0 and 2, fake logits 0 and -2: each term is ln 2 or ln(1 + e^-2).
    const d = dLoss('bce', [0, 2], [0, -2]);
    closeTo(d.value, Math.LN2 + Math.log(1 + Math.exp(-2)), 1e-6, 'D loss');
    near(d.gradReal, [(0.5 - 1) / 2, (sigmoid(2) - 1) / 2], 'dD/dreal');
    near(d.gradFake, [0.5 / 2, sigmoid(-2) / 2], 'dD/dfake');
    const g = valueAndGrad((x) => generatorLoss('bce', x), [0, 2]);
    closeTo(g.value, (Math.LN2 + Math.log(1 + Math.exp(-2))) / 2, 1e-6, 'G loss');
    near(g.grad, [-0.25, (sigmoid(2) - 1) / 2], 'dG/dfake');
  });

  it('bce with one-sided label smoothing: the real target is 1 - ε, the fake target stays 0', () => {
    // Logit 0: -(0.9 ln ½ + 0.1 ln ½) = ln 2 whatever the target; the gradient is σ(0) - 0.9 = -0.4.
    const d = dLoss('bce', [0], [0], 0.1);
    closeTo(d.value, 2 * Math.LN2, 1e-6, 'D loss');
    near(d.gradReal, [-0.4], 'dD/dreal');
    near(d.gradFake, [0.5], 'dD/dfake');
    // Logit ln 9 (σ = 0.9): 0.9·(-ln 0.9) + 0.1·(-ln 0.1), the entropy of the target, and a zero gradient.
    const s = valueAndGrad((x) => bceWithLogitsTarget(x, 0.9), [Math.log(9)]);
    closeTo(s.value, -0.9 * Math.log(0.9) - 0.1 * Math.log(0.1), 1e-6, 'smoothed BCE at its minimum');
    near(s.grad, [0], 'gradient at the minimum');
  });

  it('hinge: D = mean relu(1 - real) + mean relu(1 + fake), G = -mean fake', () => {
    const d = dLoss('hinge', [0.5, 2], [-2, 0]);
    closeTo(d.value, 0.25 + 0.5, 1e-6, 'D loss'); // (0.5 + 0) / 2 + (0 + 1) / 2
    near(d.gradReal, [-0.5, 0], 'dD/dreal: only the sample inside the margin');
    near(d.gradFake, [0, 0.5], 'dD/dfake');
    const g = valueAndGrad((x) => generatorLoss('hinge', x), [1, 3]);
    closeTo(g.value, -2, 1e-6, 'G loss');
    near(g.grad, [-0.5, -0.5], 'dG/dfake');
  });

  it('lsgan: D = ½ mean (real - 1)² + ½ mean fake², G = ½ mean (fake - 1)²', () => {
    const d = dLoss('lsgan', [0.5, 1], [0, 1]);
    closeTo(d.value, 0.5 * (0.125 + 0.5), 1e-6, 'D loss');
    near(d.gradReal, [-0.25, 0], 'dD/dreal = (real - 1) / n');
    near(d.gradFake, [0, 0.5], 'dD/dfake = fake / n');
    const smoothed = dLoss('lsgan', [0.9], [0], 0.1);
    closeTo(smoothed.value, 0, 1e-6, 'a real logit at the smoothed target 0.9 costs nothing');
    const g = valueAndGrad((x) => generatorLoss('lsgan', x), [0, 1]);
    closeTo(g.value, 0.25, 1e-6, 'G loss');
    near(g.grad, [-0.5, 0], 'dG/dfake = (fake - 1) / n');
  });
});

describe('loss and stabiliser settings', () => {
  it('default to the lesson: the presets say nothing of them and the summary is empty', () => {
    for (const preset of ['reference', 'quick', 'smoke'] as const) {
      const config = presetConfig(preset);
      assert.deepEqual(configDiff(config), { preset });
      assert.deepEqual(trainingOptionsSummary(config), []);
      assert.deepEqual(
        [config.loss, config.dSteps, config.learningRateD, config.learningRateG, config.labelSmoothing, config.instanceNoise, config.instanceNoiseDecaySteps, config.gEma, config.spectralNorm],
        ['bce', 1, null, null, 0, 0, null, 0, false],
      );
    }
  });

  it('accept valid values and summarise them', () => {
    const { config, problems } = resolveConfig({ loss: 'hinge', dSteps: 2, learningRateD: 0.0004, learningRateG: 0.0001, instanceNoise: 0.1, instanceNoiseDecaySteps: 1000, gEma: 0.999, spectralNorm: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(trainingOptionsSummary(config), ['hinge loss', '2 D steps', 'lr D 0.0004', 'lr G 0.0001', 'instance noise 0.1 → 0 over 1000', 'G EMA 0.999', 'spectral norm']);
  });

  it('refuse wgan-gp with the reason, and bad values with the fix', () => {
    const message = (input: object) => resolveConfig(input).problems.map((p) => p.message).join(' ');
    assert.match(message({ loss: 'wgan-gp' }), /"wgan-gp" is not available: .*gradients of gradients.*"hinge" or "lsgan"/);
    assert.match(message({ loss: 'wasserstein' }), /"loss" must be one of "bce", "hinge", "lsgan"/);
    assert.match(message({ dSteps: 0 }), /"dSteps" must be an integer from 1 to 10, not 0/);
    assert.match(message({ learningRateD: 0 }), /"learningRateD" must be greater than 0 and at most 1 \(or null\), not 0/);
    assert.match(message({ labelSmoothing: 0.5 }), /"labelSmoothing" must be at least 0 and less than 0.5, not 0.5/);
    assert.match(message({ spectralNorm: 'yes' }), /"spectralNorm" must be true or false/);
    assert.match(message({ gEma: 1 }), /"gEma" must be at least 0 and less than 1, not 1/);
    assert.match(message({ loss: 'hinge', labelSmoothing: 0.1 }), /hinge loss has no target to smooth/);
    assert.match(message({ instanceNoiseDecaySteps: 100 }), /"instanceNoise" is 0/);
    assert.deepEqual(resolveConfig({ learningRateD: null }).problems, []);
  });
});

describe('spectral normalisation', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('power iteration converges to the largest singular value of a known matrix', () => {
    // M = [[3, 0], [4, 5]]: MᵀM = [[25, 20], [20, 25]], eigenvalues 45 and 5, so σ_max = √45.
    // A filter of shape [1, 1, 2, 2] is the matrix itself ([k·k·in, out]).
    const weight = tf.tensor4d([3, 0, 4, 5], [1, 1, 2, 2]);
    let u: tf.Tensor = tf.tensor1d([1, 0]);
    let v: tf.Tensor = tf.tensor1d([1, 0]);
    const estimates: number[] = [];
    for (let i = 0; i < 12; i++) {
      const [u2, v2] = powerIteration(weight, u);
      tf.dispose([u, v]);
      [u, v] = [u2, v2];
      estimates.push(tf.tidy(() => spectralNormEstimate(weight, u, v).dataSync()[0]));
    }
    closeTo(estimates[estimates.length - 1], Math.sqrt(45), 1e-5, 'σ_max after 12 iterations');
    assert.ok(estimates.every((e, i) => i === 0 || e >= estimates[i - 1] - 1e-5), `the estimate grows towards σ_max: ${estimates}`);
    // A second, rectangular case: a 3x2 filter of rank 1 (outer product a bᵀ) has σ_max = |a|·|b|.
    const a = [1, 2, 2];
    const b = [3, 4];
    const rank1 = tf.tensor4d(a.flatMap((x) => b.map((y) => x * y)), [1, 1, 3, 2]);
    const [ru, rv] = powerIteration(rank1, tf.tensor1d([1, 1]));
    closeTo(tf.tidy(() => spectralNormEstimate(rank1, ru, rv).dataSync()[0]), 3 * 5, 1e-4, 'σ_max of a rank-1 matrix after one iteration');
    tf.dispose([weight, u, v, rank1, ru, rv]);
  });

  it("divides D's weights by the estimate: after enough iterations each layer's σ_max is 1, and the trainable parameters are the lesson's", () => {
    const model = buildDcgan(100, 8, new Rng(3), { discriminator: { spectralNorm: { rng: new Rng(4) } } });
    const plain = buildDcgan(100, 8, new Rng(3));
    try {
      assert.equal(model.discriminator.trainableParameterCount(), plain.discriminator.trainableParameterCount());
      assert.ok(model.discriminator.spectralNorm && !plain.discriminator.spectralNorm);
      assert.ok(model.discriminator.variableNames.includes('D/0/sn/u') && model.discriminator.variableNames.includes('D/3/sn/v'));
      for (let i = 0; i < 400; i++) model.discriminator.powerIterate();
      const names = model.discriminator.variableNames;
      const vars = model.discriminator.allVariables();
      const byName = (n: string) => vars[names.indexOf(n)];
      for (const layer of [0, 1, 2]) {
        const w = byName(`D/${layer}/weight`);
        const sigma = tf.tidy(() => spectralNormEstimate(w, byName(`D/${layer}/sn/u`), byName(`D/${layer}/sn/v`)).dataSync()[0]);
        // σ_max of the normalised weight W/σ, estimated afresh by 400 iterations from another start.
        const normalised = tf.div(w, sigma);
        let u: tf.Tensor = tf.ones([w.shape[3]!]);
        let v: tf.Tensor = tf.zeros([1]);
        for (let i = 0; i < 400; i++) {
          const next = powerIteration(normalised, u);
          tf.dispose([u, v]);
          [u, v] = next;
        }
        closeTo(tf.tidy(() => spectralNormEstimate(normalised, u, v).dataSync()[0]), 1, 2e-3, `σ_max of layer ${layer} after normalisation`);
        tf.dispose([normalised, u, v]);
      }
    } finally {
      for (const m of [model, plain]) {
        m.generator.dispose();
        m.discriminator.dispose();
      }
    }
  });
});

describe('training iterations with the stabilisers on', () => {
  const batch = 6;
  const latent = 100;
  const real = new Rng(5).fillUniform(new Float32Array(batch * 1024), -1, 1);
  let model: Dcgan;
  let optimizers: GanOptimizers;

  beforeEach(async () => {
    await selectBackend('cpu');
    model = buildDcgan(latent, 8, new Rng(11), { discriminator: { spectralNorm: { rng: new Rng(12) } } });
    optimizers = new GanOptimizers({ ...presetConfig('reference'), learningRateD: 0.0004, learningRateG: 0.0001 });
  });
  afterEach(() => {
    model.generator.dispose();
    model.discriminator.dispose();
    optimizers.dispose();
  });

  it('keeps the tensor count flat, takes dSteps D updates per G update and moves the spectral-norm vectors', async () => {
    const rng = new Rng(6);
    const u0 = model.discriminator.allVariables()[model.discriminator.variableNames.indexOf('D/1/sn/u')].dataSync().slice();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const z = rng.fillNormal(new Float32Array(batch * latent));
      const out = trainStep(model, optimizers, real, z, { loss: 'hinge', dSteps: 3, instanceNoise: 0.1, rng });
      assert.ok(Number.isFinite(out.lossD.dataSync()[0]) && Number.isFinite(out.lossG.dataSync()[0]));
      disposeStep(out);
      counts.push(tf.memory().numTensors);
    }
    assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]], `tensor counts ${counts}`);
    const iterations = async (o: tf.Optimizer) => (await o.getWeights())[0].tensor.dataSync()[0];
    assert.equal(await iterations(optimizers.d), 12, 'three D updates per iteration');
    assert.equal(await iterations(optimizers.g), 4, 'one G update per iteration');
    const u1 = model.discriminator.allVariables()[model.discriminator.variableNames.indexOf('D/1/sn/u')].dataSync();
    assert.ok(u1.some((x, i) => x !== u0[i]), 'the power iteration ran');
  });

  it('needs the trainer\'s generator for its random draws', () => {
    assert.throws(() => trainStep(model, optimizers, real, new Float32Array(batch * latent), { dSteps: 2 }), /random generator/);
  });

  it('averages G: ema = d·ema + (1 - d)·G', () => {
    const ema = new Network('G', generatorSpec(latent, 8), new Rng(99));
    ema.copyFrom(model.generator);
    const g = model.generator.allVariables()[0];
    const before = g.dataSync().slice();
    tf.tidy(() => g.assign(tf.add(g, 1)));
    ema.averageFrom(model.generator, 0.75);
    const averaged = ema.allVariables()[0].dataSync();
    averaged.forEach((x, i) => closeTo(x, before[i] + 0.25, 1e-6, `ema[${i}]`));
    ema.dispose();
  });
});

describe('a run with gEma and spectralNorm', () => {
  it('saves the averaged G, which the playground loads (and D\'s spectral-norm vectors, which it ignores)', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };
    const config = { ...presetConfig('smoke'), backend: 'auto' as const, batchSize: 8, trainSubset: 24, featureSize: 4, sampleCount: 16, epochs: 1, gEma: 0.5, spectralNorm: true };
    const session = await TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true }, quiet);
    await session.run();
    const run = readRun(session.runDir);
    assert.ok(run.ok);
    const dir = path.join(session.runDir, 'checkpoints', run.manifest.checkpoints[run.manifest.checkpoints.length - 1].id);
    const checkpoint = loadCheckpoint(dir);
    assert.ok(hasGeneratorEma(checkpoint));
    const generator = LoadedGenerator.load(dir);
    const model = buildDcgan(config.latentSize, config.featureSize, new Rng(0));
    try {
      const averaged = await generator.render(generator.fixedNoise, 'eval');
      restoreModel(model, checkpoint, true);
      const fromEma = tf.tidy(() => model.generator.forward(tf.tensor4d(generator.fixedNoise, [16, 1, 1, config.latentSize]), 'eval').dataSync());
      assert.deepEqual(averaged, fromEma, 'the playground renders the averaged G');
      restoreModel(model, checkpoint, false);
      const raw = tf.tidy(() => model.generator.forward(tf.tensor4d(generator.fixedNoise, [16, 1, 1, config.latentSize]), 'eval').dataSync());
      assert.ok(raw.some((x, i) => x !== averaged[i]), 'which differs from G itself');
    } finally {
      generator.dispose();
      model.generator.dispose();
      model.discriminator.dispose();
    }
  });
});
