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
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, presetConfig } from '../../../src/protocol/experimentConfig';
import { selectBackend } from '../../../src/trainer/backend/select';
import { buildDcgan, discriminatorSpec, generatorSpec } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { OrtStepEngine, loadOrt } from '../../../src/trainer/ortEngine/engine';
import { buildStepModel } from '../../../src/trainer/ortEngine/stepGraph';
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

  for (const [label, overrides, steps] of [
    ['the smoke model', { featureSize: 8, batchSize: 16 }, 3],
    ['a reference-shaped model (width 16, batch 32)', { featureSize: 16, batchSize: 32 }, 2],
  ] as const) {
    it(`matches TensorFlow.js's trainStep over ${steps} iterations on ${label}: losses, weights, Adam state, running statistics`, async function () {
      if ('problem' in ort) assert.fail(ort.problem);
      const config: ExperimentConfig = { ...presetConfig('reference'), ...overrides, seed: 7 };
      const reference = makeState(config);
      const candidate = makeState(config);
      const engine = new OrtStepEngine(ort.ort, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize));
      try {
        await engine.importFrom(candidate);
        const data = new Rng(3, 9);
        for (let i = 0; i < steps; i++) {
          const batch = i === steps - 1 ? config.batchSize / 2 : config.batchSize; // the last batch of an epoch is smaller
          const real = data.fillUniform(new Float32Array(batch * 1024), -1, 1);
          const noise = reference.noiseRng.fillNormal(new Float32Array(batch * config.latentSize));
          const out = trainStep(reference.model, reference.optimizers, real, noise);
          const expected: StepValues = await readStep(out);
          disposeStep(out);
          const got = await engine.step(real, noise);
          for (const key of Object.keys(expected) as (keyof StepValues)[]) {
            assert.ok(Math.abs(got[key] - expected[key]) <= 1e-4 * Math.max(1, Math.abs(expected[key])), `step ${i} ${key}: ${got[key]} vs ${expected[key]}`);
          }
        }
        await engine.exportTo(candidate);
        const want = await snapshot(reference);
        const have = await snapshot(candidate);
        assert.deepEqual([...have.keys()], [...want.keys()]);
        for (const [name, values] of want) {
          const other = have.get(name)!;
          assert.equal(other.length, values.length, name);
          if (name.includes('moment')) {
            // Adam's moments are linear in the gradients: they check the backward pass directly.
            const d = relativeDiff(values, other);
            assert.ok(d < 1e-4, `${name} differs by ${d} of its scale`);
          } else {
            // Adam divides by sqrt(v): where a gradient is near 0, float32 rounding moves an update by
            // a fraction of the learning rate (a wrong gradient would move it by up to 2·lr per step).
            const worst = values.reduce((m, x, j) => Math.max(m, Math.abs(x - other[j])), 0);
            assert.ok(worst < 0.2 * config.learningRate, `${name} differs by ${worst} (${(worst / config.learningRate).toFixed(3)} learning rates)`);
          }
        }
        // Adam's step count and powers of β are exact.
        for (const net of ['G', 'D']) {
          assert.deepEqual([...have.get(`${net}/iterations`)!], [...want.get(`${net}/iterations`)!]);
          assert.deepEqual([...have.get(`${net}/betaPowers`)!], [...want.get(`${net}/betaPowers`)!]);
        }
      } finally {
        await engine.release();
        disposeState(reference);
        disposeState(candidate);
      }
    });
  }

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
