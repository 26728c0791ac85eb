import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExperimentConfig, presetConfig } from '../../../src/protocol/experimentConfig';
import { MetricRecord } from '../../../src/protocol/runFormat';
import { readMetrics, readRun } from '../../../src/common/runReader';
import { loadCheckpoint } from '../../../src/trainer/train/checkpoint';
import { checkFinite, SessionEvents, TrainingError, TrainingSession } from '../../../src/trainer/train/session';
import { tempDir, writeImagesFixture } from '../helpers';
import { readQuality, readQualitySummary } from '../../../src/common/qualityFiles';
import { preprocessImages } from '../../../src/trainer/data/preprocess';
import { syntheticImages } from '../helpers';
import { openFakeEvaluator } from '../evaluator/fakeEvaluator';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

function tinyConfig(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return { ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 16, epochs: 3, maxSteps: null, ...overrides };
}

const losses = (records: MetricRecord[]) => records.map((r) => [r.step, r.lossD, r.lossG, r.dReal, r.dFake]);

describe('training sessions', () => {
  const dataDir = tempDir();
  before(() => writeImagesFixture(dataDir, 24));
  const common = { dataDirs: [dataDir], offline: true };

  it('resumes exactly: N steps straight equal N/2, stop, resume, N/2', async () => {
    const root = tempDir();
    const straight = await TrainingSession.prepare({ config: tinyConfig({ name: 'straight' }), runsRoot: root, ...common }, quiet);
    await straight.run();

    const half = await TrainingSession.prepare({ config: tinyConfig({ name: 'halves', maxSteps: 4 }), runsRoot: root, ...common }, quiet);
    await half.run();
    const halfRun = readRun(half.runDir);
    assert.ok(halfRun.ok && halfRun.manifest.status === 'completed' && halfRun.manifest.progress.step === 4);
    const resumed = await TrainingSession.prepare({ resume: { runDir: half.runDir, overrides: { maxSteps: null } }, runsRoot: root, ...common }, quiet);
    assert.equal(resumed.runDir, half.runDir, 'continues in the same folder');
    await resumed.run();

    const a = readMetrics(straight.runDir).records;
    const b = readMetrics(half.runDir).records;
    assert.equal(a.length, 9);
    assert.deepEqual(losses(b), losses(a));
    const finalA = loadCheckpoint(path.join(straight.runDir, 'checkpoints', 'step-000009'));
    const finalB = loadCheckpoint(path.join(half.runDir, 'checkpoints', 'step-000009'));
    for (const name of ['G/0/weight', 'G/3/weight', 'D/1/weight', 'D/1/bn/gamma']) {
      assert.deepEqual(finalB.tensors.get(name), finalA.tensors.get(name), name);
    }
    const manifest = readRun(half.runDir);
    assert.ok(manifest.ok);
    assert.equal(manifest.manifest.status, 'completed');
    assert.deepEqual(manifest.manifest.checkpoints.map((c) => c.id), ['step-000003', 'step-000004', 'step-000006', 'step-000009']);
  });

  it('evaluates on its schedule without changing training, and a resumed run evaluates exactly as an uninterrupted one', async () => {
    const root = tempDir();
    const real = preprocessImages(syntheticImages(40), 28, 32);
    const options = { openEvaluator: () => openFakeEvaluator(real) };
    const withEval = { evalEvery: 2, evalAfter: 2, evalSamples: 64 };
    const plain = await TrainingSession.prepare({ config: tinyConfig({ name: 'plain' }), runsRoot: root, ...common }, quiet);
    await plain.run();
    const qualityEvents: number[] = [];
    const straight = await TrainingSession.prepare(
      { config: tinyConfig({ name: 'evaluated', ...withEval }), runsRoot: root, ...common },
      { ...quiet, quality: (q) => qualityEvents.push(q.step) },
      options,
    );
    await straight.run();
    assert.deepEqual(losses(readMetrics(straight.runDir).records), losses(readMetrics(plain.runDir).records), 'evaluation leaves the losses unchanged');
    const final = (dir: string) => loadCheckpoint(path.join(dir, 'checkpoints', 'step-000009')).tensors;
    for (const name of ['G/0/weight', 'G/1/bn/running_mean', 'D/1/weight']) assert.deepEqual(final(straight.runDir).get(name), final(plain.runDir).get(name), name);
    const quality = readQuality(straight.runDir).records;
    assert.deepEqual(quality.map((q) => q.step), [2, 4, 6, 8, 9], 'every evalEvery from evalAfter on, and the last step (steps count iterations completed)');
    assert.deepEqual(qualityEvents, [2, 4, 6, 8, 9]);
    assert.ok(quality.every((q) => q.samples === 64 && Number.isFinite(q.fid) && q.fid >= 0 && q.coverage.histogram.length === 10));
    const summary = readQualitySummary(straight.runDir);
    assert.ok(summary && summary.evaluations === 5 && summary.best && summary.best.fid === Math.min(...quality.map((q) => q.fid)));
    const manifest = readRun(straight.runDir);
    assert.ok(manifest.ok && manifest.manifest.quality?.bestFid === summary.best.fid);

    const half = await TrainingSession.prepare({ config: tinyConfig({ name: 'evaluated halves', ...withEval, maxSteps: 4 }), runsRoot: root, ...common }, quiet, options);
    await half.run();
    const resumed = await TrainingSession.prepare({ resume: { runDir: half.runDir, overrides: { maxSteps: null } }, runsRoot: root, ...common }, quiet, options);
    await resumed.run();
    // The first half ended at step 4 (its final evaluation is also the scheduled one); the resume continues after it.
    const again = readQuality(half.runDir).records;
    assert.deepEqual(again.map((q) => q.step), [2, 4, 6, 8, 9]);
    const figures = (records: typeof again) => records.map((q) => [q.step, q.fid, q.kid, q.precision, q.recall, q.coverage.histogram]);
    assert.deepEqual(losses(readMetrics(half.runDir).records), losses(readMetrics(plain.runDir).records));
    assert.deepEqual(figures(again), figures(quality));
  });

  it('goes on training when the evaluator cannot be opened, and says so once', async () => {
    const root = tempDir();
    const lines: string[] = [];
    const failing = { openEvaluator: () => Promise.reject(Object.assign(new Error('The evaluator model fmnist-v1 is missing.'), { hint: 'Reinstall GAN Studio.' })) };
    const session = await TrainingSession.prepare({ config: tinyConfig({ evalEvery: 2, evalAfter: 0, evalSamples: 64 }), runsRoot: root, ...common }, { ...quiet, log: (l) => lines.push(l) }, failing);
    const finished = await session.run();
    assert.equal(finished.status, 'completed');
    assert.equal(lines.filter((l) => l.includes('Sample quality is not measured in this run: The evaluator model fmnist-v1 is missing. Reinstall GAN Studio.')).length, 1);
    assert.equal(readQuality(session.runDir).records.length, 0);
  });

  it('stops after the current step with a checkpoint, and branches when resumed from an older checkpoint', async () => {
    const root = tempDir();
    const events: string[] = [];
    const session = await TrainingSession.prepare(
      { config: tinyConfig({ epochs: 50 }), runsRoot: root, ...common },
      { ...quiet, metrics: (r) => { events.push(`m${r.step}`); if (r.step === 5) void session.stop(); } },
    );
    const finished = await session.run();
    assert.equal(finished.status, 'stopped');
    assert.equal(finished.progress.step, 5, 'the step during which stop was asked completes');
    const run = readRun(session.runDir);
    assert.ok(run.ok);
    assert.equal(run.manifest.status, 'stopped');
    assert.deepEqual(run.manifest.checkpoints.map((c) => [c.id, c.reason]), [['step-000003', 'epoch'], ['step-000005', 'stop']]);

    const branch = await TrainingSession.prepare({ resume: { runDir: session.runDir, checkpoint: 'step-000003', overrides: { maxSteps: 6 } }, runsRoot: root, ...common }, quiet);
    assert.notEqual(branch.runDir, session.runDir);
    await branch.run();
    const child = readRun(branch.runDir);
    assert.ok(child.ok);
    assert.deepEqual(child.manifest.parent, { runId: run.manifest.id, checkpoint: 'step-000003', step: 3 });
    assert.match(child.manifest.name, /from step 3/);
    const parentMetrics = readMetrics(session.runDir).records;
    const childMetrics = readMetrics(branch.runDir).records;
    assert.deepEqual(losses(childMetrics.slice(0, 5)), losses(parentMetrics.slice(0, 5)), 'history up to the checkpoint is copied, then recomputed identically');
    assert.equal(childMetrics[childMetrics.length - 1].step, 6);
    assert.ok(fs.existsSync(path.join(branch.runDir, 'samples', 'real.grid.png')));
  });

  it('reports divergence (non-finite losses) with what to do', () => {
    assert.doesNotThrow(() => checkFinite(3, { lossD: 0.5, lossG: 7 }));
    assert.throws(
      () => checkFinite(12, { lossD: Number.NaN, lossG: 1 }),
      (e: unknown) => e instanceof TrainingError && /diverged at step 12/.test(e.message) && /learning rate/.test(e.hint),
    );
  });

  it('refuses to resume a run folder that is damaged, naming the file', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'run.json'), '{"formatVersion": 1, "id": ');
    await assert.rejects(
      TrainingSession.prepare({ resume: { runDir: dir }, runsRoot: path.dirname(dir), ...common }, quiet),
      (e: unknown) => e instanceof TrainingError && e.message.includes(path.join(dir, 'run.json')) && /valid run.json/.test(e.hint),
    );
  });
});
