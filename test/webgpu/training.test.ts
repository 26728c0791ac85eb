/**
 * Training on the webgpu backend (SwiftShader here): the smoke preset's losses against the CPU
 * backend, a flat tensor count, exact resume, a lost device (a clear error, the run resumable),
 * and the command line exiting by itself when training ends.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readMetrics, readRun } from '../../src/common/runReader';
import { ExperimentConfig, presetConfig } from '../../src/protocol/experimentConfig';
import { MetricRecord, parseRunManifest } from '../../src/protocol/runFormat';
import { selectBackend } from '../../src/trainer/backend/select';
import { buildDcgan } from '../../src/trainer/model/dcgan';
import { Rng, RNG_STREAMS } from '../../src/trainer/rng';
import { loadCheckpoint } from '../../src/trainer/train/checkpoint';
import { SessionEvents, TrainingSession } from '../../src/trainer/train/session';
import { disposeStep, GanOptimizers, readStep, StepValues, trainStep } from '../../src/trainer/train/step';
import { REPO_ROOT, tempDir, writeImagesFixture } from '../unit/helpers';
import { useWebgpu } from './swiftshader';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

/** Smaller than smoke (batch 8, width 4, 16 samples): SwiftShader runs every shader on the CPU. */
function tinyConfig(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return { ...presetConfig('smoke'), backend: 'webgpu', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 16, epochs: 2, maxSteps: null, ...overrides };
}

const losses = (records: MetricRecord[]) => records.map((r) => [r.step, r.lossD, r.lossG, r.dReal, r.dFake, r.dFakeAfter]);

/** `steps` iterations of the smoke preset on `backend`; the tensor count after each. */
async function smokeSteps(backend: 'cpu' | 'webgpu', steps: number): Promise<{ values: StepValues[]; tensors: number[] }> {
  if (backend === 'webgpu') await useWebgpu();
  else await selectBackend('cpu');
  const config = presetConfig('smoke');
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights));
  const optimizers = new GanOptimizers(config);
  const data = new Rng(1, 9);
  const noise = new Rng(2, 9);
  const values: StepValues[] = [];
  const tensors: number[] = [];
  for (let i = 0; i < steps; i++) {
    const out = trainStep(model, optimizers, data.fillUniform(new Float32Array(config.batchSize * 1024), -1, 1), noise.fillNormal(new Float32Array(config.batchSize * config.latentSize)));
    values.push(await readStep(out));
    disposeStep(out);
    tensors.push(tf.memory().numTensors);
  }
  model.generator.dispose();
  model.discriminator.dispose();
  optimizers.dispose();
  return { values, tensors };
}

describe('training on webgpu (SwiftShader)', () => {
  const dataDir = tempDir();
  before(() => writeImagesFixture(dataDir, 24));
  after(() => selectBackend('cpu'));
  const common = { dataDirs: [dataDir], offline: true };

  it('matches the CPU backend’s losses over three smoke-preset steps, with a flat tensor count', async () => {
    const cpu = await smokeSteps('cpu', 3);
    const gpu = await smokeSteps('webgpu', 3);
    for (let i = 0; i < 3; i++) {
      for (const key of Object.keys(cpu.values[i]) as (keyof StepValues)[]) {
        const [a, b] = [gpu.values[i][key], cpu.values[i][key]];
        assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `step ${i} ${key}: webgpu ${a}, cpu ${b}`);
      }
    }
    assert.equal(gpu.tensors[2], gpu.tensors[1], `tensor count after steps 1..3: ${gpu.tensors.join(', ')}`);
  });

  let straightDir: string;

  it('resumes exactly: N steps straight equal N/2, stop, resume, N/2', async () => {
    const root = tempDir();
    const straight = await TrainingSession.prepare({ config: tinyConfig({ name: 'straight' }), runsRoot: root, ...common }, quiet);
    assert.equal(straight.startResult.backend.name, 'webgpu');
    await straight.run();
    straightDir = straight.runDir;
    const half = await TrainingSession.prepare({ config: tinyConfig({ name: 'halves', maxSteps: 3 }), runsRoot: root, ...common }, quiet);
    await half.run();
    const resumed = await TrainingSession.prepare({ resume: { runDir: half.runDir, overrides: { maxSteps: null } }, runsRoot: root, ...common }, quiet);
    await resumed.run();

    const a = readMetrics(straight.runDir).records;
    assert.equal(a.length, 6);
    assert.deepEqual(losses(readMetrics(half.runDir).records), losses(a));
    const finalA = loadCheckpoint(path.join(straight.runDir, 'checkpoints', 'step-000006'));
    const finalB = loadCheckpoint(path.join(half.runDir, 'checkpoints', 'step-000006'));
    for (const name of ['G/0/weight', 'G/3/weight', 'D/1/weight', 'D/1/bn/gamma']) assert.deepEqual(finalB.tensors.get(name), finalA.tensors.get(name), name);
    const run = readRun(half.runDir);
    assert.ok(run.ok && run.manifest.status === 'completed');
    assert.equal(run.manifest.backend?.adapter?.architecture, 'swiftshader');
  });

  it('fails with a clear message when the device is lost, and the run resumes from its last checkpoint', async () => {
    const root = tempDir();
    const lines: string[] = [];
    const session = await TrainingSession.prepare(
      { config: tinyConfig({ name: 'lost' }), runsRoot: root, ...common },
      {
        ...quiet,
        log: (l) => lines.push(l),
        // After the epoch-end checkpoint at step 3, the GPU goes away (as on a driver reset).
        checkpoint: () => (tf.backend() as unknown as { device: { destroy(): void } }).device.destroy(),
      },
    );
    await assert.rejects(session.run(), (e: Error & { hint?: string }) => /The GPU device was lost/.test(e.message) && /Resume the run from its last checkpoint/.test(e.hint ?? ''));
    const failed = readRun(session.runDir);
    assert.ok(failed.ok);
    assert.equal(failed.manifest.status, 'failed');
    assert.match(failed.manifest.error?.message ?? '', /GPU device was lost/);
    assert.deepEqual(failed.manifest.checkpoints.map((c) => c.id), ['step-000003'], 'nothing was saved after the loss');

    const resumed = await TrainingSession.prepare({ resume: { runDir: session.runDir }, runsRoot: root, ...common }, quiet);
    assert.equal(resumed.startResult.backend.name, 'webgpu', 'a new device');
    await resumed.run();
    const done = readRun(session.runDir);
    assert.ok(done.ok && done.manifest.status === 'completed');
    const after = readMetrics(session.runDir).records.filter((r) => r.step >= 3);
    assert.deepEqual(losses(after), losses(readMetrics(straightDir).records.filter((r) => r.step >= 3)), 'the same steps as a run that never lost its device');
  });

  it('gan-studio-train --backend webgpu completes, names the adapter in run.json and exits by itself', () => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
    const out = tempDir();
    const configFile = path.join(tempDir(), 'tiny.gan.json');
    fs.writeFileSync(configFile, JSON.stringify({ ...tinyConfig(), name: 'cli', maxSteps: 2 }));
    // No forced exit in the CLI: a device or binding that kept the event loop alive would hang here until the timeout.
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--config', configFile, '--out', out, '--data', dataDir, '--offline'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(result.signal, null, `the CLI did not exit by itself\n${result.stdout}\n${result.stderr}`);
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^Backend: webgpu — tfjs-backend-webgpu .* on Dawn \(webgpu [\d.]+\), adapter google swiftshader/m);
    const runDir = /Run folder: (.+)$/m.exec(result.stdout)![1].trim();
    const manifest = parseRunManifest(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')));
    assert.equal(manifest.status, 'completed');
    assert.deepEqual(manifest.backend?.adapter, { vendor: 'google', architecture: 'swiftshader', device: manifest.backend?.adapter?.device, description: manifest.backend?.adapter?.description, software: true });
    assert.match(manifest.backend?.adapter?.description ?? '', /SwiftShader/);
  });
});
