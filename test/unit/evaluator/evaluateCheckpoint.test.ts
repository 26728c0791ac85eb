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
});
