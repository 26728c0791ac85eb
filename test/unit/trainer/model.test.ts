import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { selectBackend } from '../../../src/trainer/backend/select';
import { batchNormActTrain, BatchNormParams, batchNormTrain } from '../../../src/trainer/model/batchNorm';
import { buildDcgan, Dcgan, initBound, generatorSpec } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { discriminatorStep, disposeStep, GanOptimizers, generatorStep, trainStep } from '../../../src/trainer/train/step';
import { closeTo } from '../helpers';

function snapshot(vars: tf.Variable[]): Float32Array[] {
  return vars.map((v) => v.dataSync().slice() as Float32Array);
}

function changed(before: Float32Array[], vars: tf.Variable[]): boolean[] {
  return vars.map((v, i) => {
    const now = v.dataSync();
    return now.some((x, j) => x !== before[i][j]);
  });
}

describe('the DCGAN', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('has the reference trainable parameter counts (G 1,066,880; D 661,248)', () => {
    const ref = presetConfig('reference');
    const model = buildDcgan(ref.latentSize, ref.featureSize, new Rng(42));
    try {
      assert.equal(model.generator.trainableParameterCount(), 1066880);
      assert.equal(model.discriminator.trainableParameterCount(), 661248);
    } finally {
      model.generator.dispose();
      model.discriminator.dispose();
    }
  });

  it('maps z (B,1,1,100) to images (B,32,32,1) in [-1,1] and images to one logit each', () => {
    const model = buildDcgan(100, 8, new Rng(1));
    tf.tidy(() => {
      const images = model.generator.forward(tf.randomNormal([3, 1, 1, 100]), 'train');
      assert.deepEqual(images.shape, [3, 32, 32, 1]);
      const values = images.dataSync();
      assert.ok(values.every((v) => v >= -1 && v <= 1));
      assert.deepEqual(model.discriminator.forward(images, 'train').shape, [3, 1, 1, 1]);
    });
    model.generator.dispose();
    model.discriminator.dispose();
  });

  it("initialises weights like PyTorch's default (uniform within 1/sqrt(fan_in))", () => {
    const spec = generatorSpec(100, 64)[1];
    assert.equal(initBound(spec), 1 / Math.sqrt(128 * 16), 'ConvTranspose2d fan_in uses out_channels');
    const model = buildDcgan(100, 64, new Rng(3));
    try {
      const w = model.generator.trainableVariables()[3].dataSync() as Float32Array; // layer 1 weight
      const bound = initBound(spec);
      assert.ok(w.every((v) => Math.abs(v) <= bound));
      closeTo(w.reduce((m, v) => Math.max(m, v), -Infinity), bound, bound * 0.01, 'max weight');
    } finally {
      model.generator.dispose();
      model.discriminator.dispose();
    }
  });
});

describe('BatchNorm with PyTorch semantics', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  function params(c: number): BatchNormParams {
    return {
      gamma: tf.variable(tf.tensor1d(Array.from({ length: c }, (_, i) => 1 + 0.1 * i))),
      beta: tf.variable(tf.tensor1d(Array.from({ length: c }, (_, i) => -0.2 * i))),
      runningMean: tf.variable(tf.zeros([c]), false),
      runningVar: tf.variable(tf.ones([c]), false),
    };
  }

  /** The textbook formula with plain ops, differentiated by TensorFlow.js itself. */
  function reference(x: tf.Tensor4D, p: BatchNormParams): tf.Tensor {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), p.gamma), p.beta);
  }

  it('normalises with batch statistics and updates the running ones (momentum 0.1, unbiased variance)', () => {
    const p = params(3);
    const x = tf.randomNormal([4, 5, 5, 3], 2, 3, 'float32', 7) as tf.Tensor4D;
    const y = batchNormTrain(x, p, true);
    const ref = reference(x, p);
    const maxDiff = tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0];
    assert.ok(maxDiff < 1e-5, `max difference ${maxDiff}`);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const n = 4 * 5 * 5;
    const expectedMean = mean.dataSync().map((m) => 0.1 * m);
    const expectedVar = variance.dataSync().map((v) => 0.9 + 0.1 * v * (n / (n - 1)));
    p.runningMean.dataSync().forEach((v, i) => closeTo(v, expectedMean[i], 1e-5, `running mean ${i}`));
    p.runningVar.dataSync().forEach((v, i) => closeTo(v, expectedVar[i], 1e-4, `running var ${i}`));
  });

  it('has the same gradients as the textbook formula', () => {
    const p = params(3);
    const x = tf.randomNormal([4, 3, 3, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const weights = tf.randomNormal([4, 3, 3, 3], 0, 1, 'float32', 10);
    const loss = (f: (x: tf.Tensor4D) => tf.Tensor) => (xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      void g;
      void b;
      return tf.sum(tf.mul(f(xIn as tf.Tensor4D), weights));
    };
    const ours = tf.grads(loss((xi) => batchNormTrain(xi, p, false)))([x, p.gamma, p.beta]);
    const theirs = tf.grads(loss((xi) => reference(xi, p)))([x, p.gamma, p.beta]);
    ours.forEach((g, i) => {
      const diff = tf.max(tf.abs(tf.sub(g, theirs[i]))).dataSync()[0];
      assert.ok(diff < 1e-4, `gradient ${i} differs by ${diff}`);
    });
  });
});

describe('fused BatchNorm + activation kernels', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [activation, name] of [[0, 'none'], [1, 'ReLU'], [2, 'leaky ReLU']] as const) {
      it(`give the generic ops' values, running statistics and gradients (${backend}, ${name})`, async () => {
        await selectBackend(backend);
        const make = () => ({
          gamma: tf.variable(tf.tensor1d([1.5, 0.5, -1, 2])),
          beta: tf.variable(tf.tensor1d([0.1, -0.3, 0.2, 0])),
          runningMean: tf.variable(tf.zeros([4]), false),
          runningVar: tf.variable(tf.ones([4]), false),
        });
        const [fusedParams, genericParams] = [make(), make()];
        const x = tf.randomNormal([3, 5, 5, 4], 0.5, 2, 'float32', 21) as tf.Tensor4D;
        const r = tf.randomNormal([3, 5, 5, 4], 0, 1, 'float32', 22);
        const act = (t: tf.Tensor) => (activation === 0 ? t : activation === 1 ? tf.relu(t) : tf.leakyRelu(t, 0.2));
        const fused = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => { void g; void b; return tf.sum(tf.mul(batchNormActTrain(xi as tf.Tensor4D, fusedParams, true, activation, 0.2), r)); };
        const generic = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => { void g; void b; return tf.sum(tf.mul(act(batchNormTrain(xi as tf.Tensor4D, genericParams, true)), r)); };
        const a = tf.grads(fused)([x, fusedParams.gamma, fusedParams.beta]);
        const b = tf.grads(generic)([x, genericParams.gamma, genericParams.beta]);
        a.forEach((g, i) => closeTo(tf.max(tf.abs(tf.sub(g, b[i]))).dataSync()[0], 0, 1e-4, `gradient ${i}`));
        closeTo(tf.max(tf.abs(tf.sub(fusedParams.runningMean, genericParams.runningMean))).dataSync()[0], 0, 1e-6, 'running mean');
        closeTo(tf.max(tf.abs(tf.sub(fusedParams.runningVar, genericParams.runningVar))).dataSync()[0], 0, 1e-5, 'running variance');
        const y1 = batchNormActTrain(x, fusedParams, false, activation, 0.2);
        const y2 = act(batchNormTrain(x, genericParams, false));
        closeTo(tf.max(tf.abs(tf.sub(y1, y2))).dataSync()[0], 0, 1e-5, 'output');
      });
    }
  }
});

describe('a training iteration', () => {
  let model: Dcgan;
  let optimizers: GanOptimizers;
  const batch = 6;
  const latent = 100;
  const real = new Rng(5).fillUniform(new Float32Array(batch * 1024), -1, 1);

  beforeEach(async () => {
    await selectBackend('cpu');
    model = buildDcgan(latent, 8, new Rng(11));
    optimizers = new GanOptimizers(presetConfig('reference'));
  });
  afterEach(() => {
    model.generator.dispose();
    model.discriminator.dispose();
    optimizers.dispose();
  });

  it('keeps the number of tensors flat over steps', () => {
    const noise = new Rng(6);
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      disposeStep(trainStep(model, optimizers, real, noise.fillNormal(new Float32Array(batch * latent))));
      counts.push(tf.memory().numTensors);
    }
    // The first step creates Adam's moment variables; after that nothing may accumulate.
    assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1], counts[1]], `tensor counts ${counts}`);
  });

  it('is a D step on G(z) then a G step through the updated D, with G(z) computed once', () => {
    const twin = buildDcgan(latent, 8, new Rng(11));
    const twinOptimizers = new GanOptimizers(presetConfig('reference'));
    const noise = new Rng(7);
    for (let i = 0; i < 3; i++) {
      const z = noise.fillNormal(new Float32Array(batch * latent));
      const fused = trainStep(model, optimizers, real, z);
      // The same iteration as two separate steps (G's forward pass twice).
      const x = tf.tensor4d(real, [batch, 32, 32, 1]);
      const zt = tf.tensor4d(z, [batch, 1, 1, latent]);
      const fake = tf.tidy(() => twin.generator.forward(zt, 'train'));
      const d = discriminatorStep(twin, twinOptimizers, x, fake);
      const g = generatorStep(twin, twinOptimizers, zt, true);
      for (const [k, a, b] of [['lossD', fused.lossD, d.lossD], ['dReal', fused.dReal, d.dReal], ['dFake', fused.dFake, d.dFake], ['lossG', fused.lossG, g.lossG], ['dFakeAfter', fused.dFakeAfter, g.dFakeAfter]] as const) {
        assert.equal(a.dataSync()[0], b.dataSync()[0], `${k} at step ${i}`);
      }
      tf.dispose([x, zt, fake, d.lossD, d.dReal, d.dFake, g.lossG, g.dFakeAfter]);
      disposeStep(fused);
    }
    const mine = [...model.generator.allVariables(), ...model.discriminator.allVariables()];
    const theirs = [...twin.generator.allVariables(), ...twin.discriminator.allVariables()];
    mine.forEach((v, i) => assert.deepEqual(v.dataSync(), theirs[i].dataSync(), `variable ${i} after 3 steps`));
    twin.generator.dispose();
    twin.discriminator.dispose();
    twinOptimizers.dispose();
  });

  it("a G step changes G's weights and not D's", () => {
    const z = tf.tensor4d(new Rng(8).fillNormal(new Float32Array(batch * latent)), [batch, 1, 1, latent]);
    const gVars = model.generator.trainableVariables();
    const dVars = model.discriminator.trainableVariables();
    const [g0, d0] = [snapshot(gVars), snapshot(dVars)];
    const out = generatorStep(model, optimizers, z, false);
    tf.dispose([z, out.lossG, out.dFakeAfter]);
    assert.ok(changed(g0, gVars).every(Boolean), 'every G parameter moved');
    assert.ok(changed(d0, dVars).every((c) => !c), 'no D parameter moved');
  });

  it("a D step changes D's weights and not G's", () => {
    const x = tf.tensor4d(real, [batch, 32, 32, 1]);
    const fake = tf.tidy(() => model.generator.forward(tf.randomNormal([batch, 1, 1, latent], 0, 1, 'float32', 3), 'train'));
    const gVars = model.generator.trainableVariables();
    const dVars = model.discriminator.trainableVariables();
    const [g0, d0] = [snapshot(gVars), snapshot(dVars)];
    const out = discriminatorStep(model, optimizers, x, fake);
    tf.dispose([x, fake, out.lossD, out.dReal, out.dFake]);
    assert.ok(changed(d0, dVars).every(Boolean), 'every D parameter moved');
    assert.ok(changed(g0, gVars).every((c) => !c), 'no G parameter moved');
  });

  it('starts near the losses of the seed (D about 2 ln 2, G about ln 2 scaled by D)', () => {
    const out = trainStep(model, optimizers, real, new Rng(9).fillNormal(new Float32Array(batch * latent)));
    const lossD = out.lossD.dataSync()[0];
    const dReal = out.dReal.dataSync()[0];
    disposeStep(out);
    closeTo(lossD, 2 * Math.LN2, 0.5, 'loss D at step 0');
    closeTo(dReal, 0.5, 0.2, 'D(x) at step 0');
  });
});
