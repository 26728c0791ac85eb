/**
 * The onnxruntime training engine (src/trainer/ortEngine) against TensorFlow.js's autodiff path
 * (trainStep): from the same weights, noise and batches, a few iterations give the same losses,
 * weights, Adam moments and powers of β, and BatchNorm running statistics, within float32
 * tolerance; the step graph passes python3-onnx's checker where it is installed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, presetConfig } from '../../../src/protocol/experimentConfig';
import { selectBackend } from '../../../src/trainer/backend/select';
import { buildDcgan, discriminatorSpec, generatorSpec } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { OrtStepEngine, loadOrt } from '../../../src/trainer/ortEngine/engine';
import { buildStepModel } from '../../../src/trainer/ortEngine/stepGraph';
import { unsupportedReason } from '../../../src/trainer/ortEngine/select';
import type { TrainingState } from '../../../src/trainer/train/checkpoint';
import { disposeStep, GanOptimizers, readStep, StepValues, trainStep } from '../../../src/trainer/train/step';
import { pythonWith } from '../export/python';
import { tempDir } from '../helpers';

function makeState(config: ExperimentConfig): TrainingState {
  return {
    model: buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, 1)),
    optimizers: new GanOptimizers(config),
    noiseRng: new Rng(config.seed, 2),
    fixedNoise: new Float32Array(0),
    step: 0,
    elapsedSec: 0,
  };
}

function disposeState(state: TrainingState): void {
  state.model.generator.dispose();
  state.model.discriminator.dispose();
  state.optimizers.dispose();
}

async function snapshot(state: TrainingState): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const net of [state.model.generator, state.model.discriminator]) net.allVariables().forEach((v, i) => out.set(net.variableNames[i], v.dataSync().slice() as Float32Array));
  for (const [name, opt] of [['G', state.optimizers.g], ['D', state.optimizers.d]] as const) {
    const [iter, ...moments] = await opt.getWeights();
    out.set(`${name}/iterations`, Float32Array.of((await iter.tensor.data())[0]));
    moments.forEach((m, i) => out.set(`${name}/moment${i}`, m.tensor.dataSync().slice() as Float32Array));
    const acc = opt as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
    out.set(`${name}/betaPowers`, Float32Array.of(acc.accBeta1.dataSync()[0], acc.accBeta2.dataSync()[0]));
  }
  return out;
}

/** Largest |a - b| relative to the tensor's scale (max |a|, at least 1e-3). */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-3;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(a[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

const ort = loadOrt();

describe('the onnxruntime training engine', function () {
  this.timeout(600000);
  before(async () => {
    await selectBackend('cpu');
  });

  /** Asserts that `candidate` holds `reference`'s state within float32 tolerance (`weightLr`: weights within that many learning rates). */
  async function assertSameState(reference: TrainingState, candidate: TrainingState, config: ExperimentConfig, label: string, momentTolerance: number, weightLr: number): Promise<void> {
    const want = await snapshot(reference);
    const have = await snapshot(candidate);
    assert.deepEqual([...have.keys()], [...want.keys()]);
    for (const [name, values] of want) {
      const other = have.get(name)!;
      assert.equal(other.length, values.length, name);
      if (name.endsWith('iterations') || name.endsWith('betaPowers')) {
        // Adam's step count and powers of β are exact.
        assert.deepEqual([...other], [...values], `${label}: ${name}`);
      } else if (name.includes('moment') || name.includes('running')) {
        // Adam's moments are linear in the gradients: they check the backward pass directly.
        const d = relativeDiff(values, other);
        assert.ok(d < momentTolerance, `${label}: ${name} differs by ${d} of its scale`);
      } else {
        // Adam divides by sqrt(v): where a gradient is near 0, float32 rounding moves an update by
        // a fraction of the learning rate (a wrong gradient would move it by up to 2·lr per step).
        const worst = values.reduce((m, x, j) => Math.max(m, Math.abs(x - other[j])), 0);
        assert.ok(worst < weightLr * config.learningRate, `${label}: ${name} differs by ${worst} (${(worst / config.learningRate).toFixed(3)} learning rates)`);
      }
    }
  }

  function assertSameValues(got: StepValues, expected: StepValues, tolerance: number, label: string): void {
    for (const key of Object.keys(expected) as (keyof StepValues)[]) {
      assert.ok(Math.abs(got[key] - expected[key]) <= tolerance * Math.max(1, Math.abs(expected[key])), `${label} ${key}: ${got[key]} vs ${expected[key]}`);
    }
  }

  for (const [label, overrides, options] of [
    ['the smoke model', { featureSize: 8, batchSize: 16 }, {}],
    ['the smoke model, patches by Slice and Concat, every transposed convolution in fused phases', { featureSize: 8, batchSize: 16 }, { patches: 'slices', exactPhasesUpTo: 0 }],
    ['a reference-shaped model (width 16)', { featureSize: 16, batchSize: 16 }, {}],
  ] as const) {
    it(`matches TensorFlow.js's trainStep on ${label}: each of 3 iterations from the same state (losses, weights, Adam state, running statistics), then 3 running on its own`, async function () {
      if ('problem' in ort) assert.fail(ort.problem);
      const config: ExperimentConfig = { ...presetConfig('reference'), ...overrides, seed: 7 };
      const reference = makeState(config);
      const candidate = makeState(config);
      const engine = new OrtStepEngine(ort.ort, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize), options);
      const data = new Rng(3, 9);
      const tfStep = async (real: Float32Array, noise: Float32Array) => {
        const out = trainStep(reference.model, reference.optimizers, real, noise);
        const values = await readStep(out);
        disposeStep(out);
        return values;
      };
      try {
        // Iteration by iteration from TensorFlow.js's state: the first (Adam's moments created), a
        // later one, and a smaller last batch of an epoch (its own session).
        for (const batch of [config.batchSize, config.batchSize, config.batchSize / 2]) {
          await engine.importFrom(reference);
          const real = data.fillUniform(new Float32Array(batch * 1024), -1, 1);
          const noise = reference.noiseRng.fillNormal(new Float32Array(batch * config.latentSize));
          const expected = await tfStep(real, noise);
          assertSameValues(await engine.step(real, noise), expected, 1e-5, `batch ${batch}`);
          await engine.exportTo(candidate);
          await assertSameState(reference, candidate, config, `after a step of batch ${batch}`, 2e-5, 0.25);
        }
        // On its own: the engine carries its state from step to step (float32 differences grow
        // through Adam and G's images, so the tolerance is wider).
        await engine.importFrom(reference);
        for (let i = 0; i < 3; i++) {
          const real = data.fillUniform(new Float32Array(config.batchSize * 1024), -1, 1);
          const noise = reference.noiseRng.fillNormal(new Float32Array(config.batchSize * config.latentSize));
          const expected = await tfStep(real, noise);
          assertSameValues(await engine.step(real, noise), expected, 1e-3, `free step ${i}`);
        }
        await engine.exportTo(candidate);
        await assertSameState(reference, candidate, config, 'after 3 free steps', 2e-2, 0.5);
      } finally {
        await engine.release();
        disposeState(reference);
        disposeState(candidate);
      }
    });
  }

  it('leaks nothing: the TensorFlow.js tensor count is flat over steps and state exchanges, and the process memory does not grow with the steps', async function () {
    if ('problem' in ort) assert.fail(ort.problem);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const config: ExperimentConfig = { ...presetConfig('reference'), featureSize: 8, batchSize: 16, seed: 3 };
    const state = makeState(config);
    const engine = new OrtStepEngine(ort.ort, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize));
    const real = new Rng(1, 9).fillUniform(new Float32Array(config.batchSize * 1024), -1, 1);
    const cycle = async (steps: number) => {
      for (let i = 0; i < steps; i++) await engine.step(real, state.noiseRng.fillNormal(new Float32Array(config.batchSize * config.latentSize)));
      await engine.exportTo(state); // as before a grid or a checkpoint
      await engine.importFrom(state); // as after a scheduled grid
    };
    const rss = () => {
      gc();
      return process.memoryUsage().rss / 2 ** 20;
    };
    try {
      await engine.importFrom(state);
      await cycle(20); // Adam's moments appear in TensorFlow.js at the first export
      const tensors = tf.memory().numTensors;
      const before = rss();
      for (let round = 0; round < 4; round++) {
        await cycle(75);
        assert.equal(tf.memory().numTensors, tensors, `tensor count after round ${round}`);
      }
      const grown = rss() - before;
      // 300 steps: a leak of one copy of G's parameters per step (240 KiB here) would add 70 MiB.
      assert.ok(grown < 24, `the process grew by ${grown.toFixed(1)} MiB over 300 steps`);
    } finally {
      await engine.release();
      disposeState(state);
    }
  });

  const python = pythonWith('onnx');
  if (python) {
    it(`builds a step graph that passes onnx.checker.check_model (full check) of python3-onnx (${python})`, () => {
      const config = presetConfig('reference');
      const file = path.join(tempDir(), 'step.onnx');
      const engine = new OrtStepEngine({} as never, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize));
      fs.writeFileSync(file, buildStepModel(engine.graphConfig(config.batchSize)));
      const result = spawnSync(python, ['-c', 'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(onnx.__version__)', file], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    });
  }
});

describe('which runs train on the onnxruntime engine', () => {
  const cpu = { name: 'wasm' as const };
  it("takes the seed's iteration on a CPU backend with backend auto, and names every setting that keeps a run on TensorFlow.js", () => {
    const base: ExperimentConfig = { ...presetConfig('reference'), backend: 'auto' };
    assert.equal(unsupportedReason(base, cpu), undefined);
    assert.equal(unsupportedReason({ ...base, dataset: 'mnist' }, cpu), undefined, 'another grey 32x32 data set is the same graph');
    const cases: [Partial<ExperimentConfig>, RegExp][] = [
      [{ conditional: true }, /conditional/],
      [{ imageSize: 64 }, /imageSize 64/],
      [{ channels: 3 }, /3 channels/],
      [{ dataset: 'cifar10' }, /3 channels/],
      [{ loss: 'hinge' }, /loss "hinge"/],
      [{ gEma: 0.999 }, /gEma/],
      [{ backend: 'wasm' }, /chosen explicitly/],
    ];
    for (const [change, reason] of cases) assert.match(unsupportedReason({ ...base, ...change }, cpu) ?? '', reason, JSON.stringify(change));
    assert.match(unsupportedReason(base, { name: 'webgpu' }) ?? '', /GPU/);
  });
});
