/**
 * Exact resume, bit for bit: N steps straight equal k steps, a stop, and a resume to N, at many
 * split points k, for the smoke-sized model and a shrunk quick preset. Every logged loss and every
 * tensor of the final checkpoint (weights, BatchNorm statistics, Adam's moments and powers of β,
 * the noise generator's state) must be identical.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, presetConfig } from '../../../src/protocol/experimentConfig';
import { MetricRecord } from '../../../src/protocol/runFormat';
import { readMetrics, readRun } from '../../../src/common/runReader';
import { adamBetaPower, loadCheckpoint } from '../../../src/trainer/train/checkpoint';
import { SessionEvents, TrainingSession } from '../../../src/trainer/train/session';
import type { EngineChoice } from '../../../src/trainer/ortEngine/select';
import { tempDir, writeImagesFixture, writeLabelsFixture } from '../helpers';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

const lossesOf = (records: MetricRecord[]) => records.map((r) => [r.step, r.lossD, r.lossG, r.dReal, r.dFake, r.dFakeAfter]);

/** Asserts two checkpoints hold the same tensors, byte for byte, and the same RNG and Adam state. */
export function assertSameCheckpoint(aDir: string, bDir: string, label: string): void {
  const a = loadCheckpoint(aDir);
  const b = loadCheckpoint(bDir);
  assert.deepEqual([...b.tensors.keys()].sort(), [...a.tensors.keys()].sort(), `${label}: tensor names`);
  for (const [name, data] of a.tensors) {
    const other = b.tensors.get(name)!;
    const same = Buffer.compare(Buffer.from(data.buffer, data.byteOffset, data.byteLength), Buffer.from(other.buffer, other.byteOffset, other.byteLength)) === 0;
    if (!same) {
      const i = data.findIndex((x, j) => !Object.is(x, other[j]));
      assert.fail(`${label}: tensor ${name} differs (first at index ${i}: ${data[i]} vs ${other[i]})`);
    }
  }
  assert.deepEqual(b.manifest.rng, a.manifest.rng, `${label}: noise generator state`);
  assert.deepEqual(b.manifest.optimizerSteps, a.manifest.optimizerSteps, `${label}: Adam steps`);
  assert.deepEqual(b.manifest.adamBetaPowers, a.manifest.adamBetaPowers, `${label}: Adam's powers of beta`);
}

async function train(root: string, dataDir: string, config: ExperimentConfig, engine: EngineChoice = 'auto'): Promise<string> {
  const session = await TrainingSession.prepare({ config, runsRoot: root, dataDirs: [dataDir], offline: true }, quiet, { engine });
  await session.run();
  return session.runDir;
}

async function resume(root: string, dataDir: string, runDir: string, maxSteps: number | null, engine: EngineChoice = 'auto'): Promise<void> {
  const session = await TrainingSession.prepare({ resume: { runDir, overrides: { maxSteps } }, runsRoot: root, dataDirs: [dataDir], offline: true }, quiet, { engine });
  await session.run();
}

/** What ran the training step, as run.json records it. */
function stepEngineOf(runDir: string): string {
  const run = readRun(runDir);
  assert.ok(run.ok, run.ok ? '' : run.error);
  return run.manifest.backend?.detail.split('training step: ')[1] ?? '';
}

function finalCheckpoint(runDir: string): string {
  const run = readRun(runDir);
  assert.ok(run.ok, run.ok ? '' : run.error);
  const last = run.manifest.checkpoints[run.manifest.checkpoints.length - 1];
  return path.join(runDir, 'checkpoints', last.id);
}

/** A checkpoint of an older version, written before Adam's powers of β were saved. */
function dropAdamPowers(runDir: string): void {
  const file = path.join(finalCheckpoint(runDir), 'checkpoint.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  delete manifest.adamBetaPowers;
  fs.writeFileSync(file, JSON.stringify(manifest));
}

async function checkSplits(config: ExperimentConfig, total: number, splits: number[], images: number, oldFormatAt?: number, engine: EngineChoice = 'auto', expectEngine?: RegExp): Promise<void> {
  const dataDir = tempDir();
  writeImagesFixture(dataDir, images);
  if (config.conditional) writeLabelsFixture(dataDir, images);
  const root = tempDir();
  const straight = await train(root, dataDir, { ...config, name: 'straight', maxSteps: total }, engine);
  if (expectEngine) assert.match(stepEngineOf(straight), expectEngine);
  const expected = lossesOf(readMetrics(straight).records);
  assert.equal(expected.length, total, 'every step is logged');
  for (const k of splits) {
    const split = await train(root, dataDir, { ...config, name: `split-${k}`, maxSteps: k }, engine);
    if (k === oldFormatAt) dropAdamPowers(split);
    await resume(root, dataDir, split, total, engine);
    assert.deepEqual(lossesOf(readMetrics(split).records), expected, `losses after a resume at step ${k}`);
    assertSameCheckpoint(finalCheckpoint(straight), finalCheckpoint(split), `resume at step ${k}`);
  }
}

describe('exact resume, bit for bit', () => {
  it("recomputes Adam's powers of β as the float32 products the optimiser holds (checkpoints of older versions)", async () => {
    await tf.ready();
    const v = tf.variable(tf.tensor1d([1, -2, 3]));
    const adam = tf.train.adam(0.01, 0.5, 0.999);
    const held = adam as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    let differsFromPow = false;
    for (let t = 1; t <= 300; t++) {
      tf.tidy(() => adam.applyGradients({ [v.name]: tf.tensor1d([0.1, 0.2, -0.3]) } as unknown as tf.NamedTensorMap as never));
      const b2 = held.accBeta2.dataSync()[0];
      assert.equal(held.accBeta1.dataSync()[0], adamBetaPower(0.5, t), `β1 power after ${t} steps`);
      assert.equal(b2, adamBetaPower(0.999, t), `β2 power after ${t} steps`);
      differsFromPow ||= b2 !== Math.fround(Math.pow(Math.fround(0.999), t + 1));
    }
    assert.ok(differsFromPow, 'pow() differs from the products somewhere in 300 steps (the cause of the inexact resume)');
    adam.dispose();
    v.dispose();
  });


  const smoke: ExperimentConfig = {
    ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 7, sampleCount: 16, epochs: 10,
  };

  it('the smoke-sized model on the onnxruntime engine: 30 steps straight equal k + resume + (30 - k) for 8 split points', async () => {
    await checkSplits(smoke, 30, [1, 2, 5, 8, 13, 20, 22, 29], 24, 20, 'auto', /^onnxruntime-node .* training engine/);
  });

  it('the smoke-sized model on TensorFlow.js: 30 steps straight equal k + resume + (30 - k) for 4 split points', async () => {
    await checkSplits(smoke, 30, [1, 8, 20, 29], 24, 20, 'tfjs', /^TensorFlow\.js autodiff/);
  });

  it('a checkpoint of the onnxruntime engine resumes on TensorFlow.js (the same format): the next steps agree within float32 tolerance', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const root = tempDir();
    const straight = await train(root, dataDir, { ...smoke, name: 'straight', maxSteps: 12 });
    const split = await train(root, dataDir, { ...smoke, name: 'split', maxSteps: 9 });
    await resume(root, dataDir, split, 12, 'tfjs');
    assert.match(stepEngineOf(split), /^TensorFlow\.js autodiff/);
    const a = lossesOf(readMetrics(straight).records);
    const b = lossesOf(readMetrics(split).records);
    assert.equal(b.length, 12);
    assert.deepEqual(b.slice(0, 9), a.slice(0, 9), 'the steps before the checkpoint');
    for (let i = 9; i < 12; i++) a[i].forEach((x, j) => assert.ok(Math.abs(x - b[i][j]) < 1e-3 * Math.max(1, Math.abs(x)), `step ${i + 1} value ${j}: ${x} vs ${b[i][j]}`));
  });

  it('losses and stabilisers on (hinge, 2 D steps, TTUR, annealed instance noise, G EMA, spectral norm): 12 steps straight equal k + resume for 4 split points', async () => {
    const config: ExperimentConfig = {
      ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 4, sampleCount: 16, epochs: 4,
      loss: 'hinge', dSteps: 2, learningRateD: 0.0004, learningRateG: 0.0001, instanceNoise: 0.1, instanceNoiseDecaySteps: 10, gEma: 0.9, spectralNorm: true,
    };
    await checkSplits(config, 12, [1, 4, 7, 11], 24, undefined, 'auto', /^TensorFlow\.js autodiff \(the onnxruntime engine runs the seed's iteration only/);
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const run = await train(tempDir(), dataDir, { ...config, maxSteps: 3 });
    const saved = loadCheckpoint(finalCheckpoint(run));
    assert.deepEqual(saved.manifest.optimizerSteps, { G: 3, D: 6 }, 'two D updates per G update');
    const names = [...saved.tensors.keys()];
    for (const name of ['ema/G/0/weight', 'ema/G/1/bn/running_var', 'D/0/sn/u', 'D/3/sn/v']) assert.ok(names.includes(name), `the checkpoint holds ${name}`);
  });

  it('lsgan with label smoothing and 3 D steps: 8 steps straight equal k + resume for 2 split points', async () => {
    const config: ExperimentConfig = {
      ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 16, epochs: 3,
      loss: 'lsgan', labelSmoothing: 0.1, dSteps: 3, instanceNoise: 0.05,
    };
    await checkSplits(config, 8, [2, 5], 24);
  });

  it('conditional (projection D, class-row grids) with 2 D steps at 64x64: 8 steps straight equal k + resume for 2 split points', async () => {
    const config: ExperimentConfig = {
      ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 80, epochs: 3,
      conditional: true, imageSize: 64, dSteps: 2,
    };
    await checkSplits(config, 8, [2, 5], 24);
  });

  it('the quick preset, shrunk (width 32, batch 64, 128 images), on the onnxruntime engine: 14 steps straight equal k + resume for 3 split points', async function () {
    this.timeout(300000); // seven runs, each building its training graph
    const config: ExperimentConfig = { ...presetConfig('quick'), backend: 'auto', trainSubset: 128, logEvery: 1, sampleEvery: 5, sampleCount: 16, epochs: 7, evalEvery: null };
    await checkSplits(config, 14, [3, 8, 11], 128, undefined, 'auto', /^onnxruntime-node .* training engine/);
  });
});
