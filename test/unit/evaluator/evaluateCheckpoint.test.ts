import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readQuality, readQualitySummary } from '../../../src/common/qualityFiles';
import { readRun } from '../../../src/common/runReader';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { preprocessImages } from '../../../src/trainer/data/preprocess';
import { parseEvalCli, EvalUsageError } from '../../../src/generator/evalCli';
import { evaluateCheckpoint, EvaluateError } from '../../../src/generator/evaluateCheckpoint';
import { SessionEvents, TrainingSession } from '../../../src/trainer/train/session';
import { syntheticImages, tempDir, writeImagesFixture } from '../helpers';
import { evaluationLatents } from '../../../src/trainer/evaluator/qualityEvaluator';
import { buildDcgan } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { loadCheckpoint, restoreModel } from '../../../src/trainer/train/checkpoint';
import { openFakeEvaluator } from './fakeEvaluator';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

describe('evaluating a checkpoint (gan-studio-eval)', () => {
  it('parses its command line and refuses bad arguments with the fix', () => {
    const r = parseEvalCli(['runs/a', '--checkpoint', 'step-000010', '--samples', '500', '--json'], '/w');
    assert.equal(r.params.runDir, '/w/runs/a');
    assert.equal(r.params.checkpoint, 'step-000010');
    assert.equal(r.params.samples, 500);
    assert.equal(r.json, true);
    assert.throws(() => parseEvalCli([]), EvalUsageError);
    assert.throws(() => parseEvalCli(['a', '--samples', '10']), /--samples must be an integer from 64/);
    assert.throws(() => parseEvalCli(['a', '--backend', 'gpu']), /--backend must be one of/);
  });

  it('measures a run trained without evaluation and records it in quality.jsonl, quality.json and run.json', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const root = tempDir();
    const config = { ...presetConfig('smoke'), batchSize: 8, trainSubset: 24, featureSize: 4, maxSteps: 3, sampleCount: 16, evalEvery: null };
    const session = await TrainingSession.prepare({ config, runsRoot: root, dataDirs: [dataDir], offline: true }, quiet);
    await session.run();
    const real = preprocessImages(syntheticImages(40), 28, 32);
    const params = { runDir: session.runDir, samples: 64, locate: { dataDirs: [] }, openEvaluator: () => openFakeEvaluator(real) };
    const { record } = await evaluateCheckpoint(params, () => undefined);
    assert.equal(record.source, 'checkpoint');
    assert.equal(record.checkpoint, 'step-000003');
    assert.equal(record.step, 3, "the checkpoint's step, as sample grids count (iterations completed)");
    assert.equal(record.samples, 64);
    const again = await evaluateCheckpoint(params, () => undefined);
    assert.equal(again.record.fid, record.fid, 'the same latent set every time');
    assert.deepEqual(readQuality(session.runDir).records.map((r) => r.checkpoint), ['step-000003', 'step-000003']);
    assert.equal(readQualitySummary(session.runDir)?.best?.fid, record.fid);
    const run = readRun(session.runDir);
    assert.ok(run.ok && run.manifest.quality?.bestFid === record.fid);
    await assert.rejects(evaluateCheckpoint({ ...params, checkpoint: 'step-999999' }, () => undefined), (e: Error) => e instanceof EvaluateError && /no checkpoint "step-999999"/.test(e.message));
    fs.rmSync(path.join(session.runDir, 'run.json'));
    await assert.rejects(evaluateCheckpoint(params, () => undefined), EvaluateError);
  });

  it('with gEma, training and Evaluate Checkpoint both measure the averaged G as its grids render it, not G itself', async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const real = preprocessImages(syntheticImages(40), 28, 32);
    const config = { ...presetConfig('smoke'), batchSize: 8, trainSubset: 24, featureSize: 4, maxSteps: 3, sampleCount: 16, gEma: 0.5, evalEvery: 3, evalAfter: 0, evalSamples: 64 };
    const session = await TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true }, quiet, { openEvaluator: () => openFakeEvaluator(real) });
    await session.run();
    const trained = readQuality(session.runDir).records.find((r) => r.step === 3 && r.source === 'training');
    assert.ok(trained, 'the last step is evaluated in training');
    const { record } = await evaluateCheckpoint({ runDir: session.runDir, samples: 64, locate: { dataDirs: [] }, openEvaluator: () => openFakeEvaluator(real) }, () => undefined);
    assert.equal(record.fid, trained.fid, 'Evaluate Checkpoint measures what training measured');
    // The averaged G rendered as the grids render it gives that figure; G itself in eval mode does not.
    const checkpoint = loadCheckpoint(path.join(session.runDir, 'checkpoints', 'step-000003'));
    const model = buildDcgan(config.latentSize, config.featureSize, new Rng(0));
    const evaluator = await openFakeEvaluator(real);
    try {
      const latents = evaluationLatents(config.seed, 64, config.latentSize);
      restoreModel(model, checkpoint, true);
      assert.equal(evaluator.measure(evaluator.generatorFeatures(model, latents, 'train-recompute'), []).fid, trained.fid);
      restoreModel(model, checkpoint, false);
      assert.notEqual(evaluator.measure(evaluator.generatorFeatures(model, latents), []).fid, trained.fid);
    } finally {
      evaluator.dispose();
      model.generator.dispose();
      model.discriminator.dispose();
    }
  });
});
