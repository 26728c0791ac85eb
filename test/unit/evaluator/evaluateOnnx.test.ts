/**
 * Evaluate Checkpoint on an external run (Bring your own GAN): a checkpoint logged with an ONNX
 * generator (test/fixtures/byog) is rendered through onnxruntime and measured like a GAN Studio
 * checkpoint; a generator of other images, and a checkpoint without one, say what to do.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readQuality, readQualitySummary } from '../../../src/common/qualityFiles';
import { readRun } from '../../../src/common/runReader';
import * as logger from '../../../src/logger/index';
import { buildOnnxModel } from '../../../src/trainer/backend/ort/onnxModel';
import { preprocessImages } from '../../../src/trainer/data/preprocess';
import { evaluateCheckpoint, EvaluateError } from '../../../src/generator/evaluateCheckpoint';
import { REPO_ROOT, syntheticImages, tempDir } from '../helpers';
import { openFakeEvaluator } from './fakeEvaluator';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'byog');

/** A generator of the wrong images: z [N, 8, 1, 1] -> ConvTranspose 16x16 -> [N, 3, 16, 16]. */
function writeColourGenerator(file: string): void {
  const weights = Float32Array.from({ length: 8 * 3 * 16 * 16 }, (_, i) => 0.05 * Math.sin(i));
  const bytes = buildOnnxModel({
    nodes: [
      { op: 'ConvTranspose', inputs: ['z', 'w'], outputs: ['x'], attrs: { kernel_shape: [16, 16] } },
      { op: 'Tanh', inputs: ['x'], outputs: ['image'] },
    ],
    inputs: [{ name: 'z', shape: ['batch', 8, 1, 1] }],
    outputs: [{ name: 'image', shape: ['batch', 3, 16, 16] }],
    initializers: [{ name: 'w', type: 'float', dims: [8, 3, 16, 16], data: weights }],
  });
  fs.writeFileSync(file, bytes);
}

async function evaluateError(promise: Promise<unknown>): Promise<EvaluateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EvaluateError, String(error));
    return error;
  }
  throw new Error('it succeeded');
}

describe('evaluating an external run’s ONNX generator (Evaluate Checkpoint, gan-studio-eval)', () => {
  let runDir: string;
  const real = preprocessImages(syntheticImages(40), 28, 32);

  before(() => {
    const colour = path.join(tempDir(), 'colour.onnx');
    writeColourGenerator(colour);
    const run = logger.init({ name: 'byog-eval', root: tempDir(), config: { nz: 8, seed: 3 } });
    run.checkpoint(10, { generatorOnnx: path.join(FIXTURES, 'generator-tiny.onnx'), epoch: 1 });
    run.checkpoint(20, { epoch: 2 });
    run.checkpoint(30, { generatorOnnx: colour, epoch: 3 });
    run.finish();
    runDir = run.dir;
  });

  it('renders the run’s evaluation latents through the ONNX generator and records the result like a GAN Studio checkpoint’s', async () => {
    const params = { runDir, checkpoint: 'step-000010', samples: 300, locate: { dataDirs: [] }, openEvaluator: () => openFakeEvaluator(real) };
    const { record } = await evaluateCheckpoint(params, () => undefined);
    assert.equal(record.source, 'checkpoint');
    assert.equal(record.checkpoint, 'step-000010');
    assert.equal(record.step, 10, 'the script’s own step');
    assert.equal(record.epoch, 1);
    assert.equal(record.samples, 300, 'more than one batch of 250 images');
    assert.ok(Number.isFinite(record.fid) && record.fid >= 0, `FID ${record.fid}`);
    assert.ok(Number.isFinite(record.coverage.entropy), `coverage entropy ${record.coverage.entropy}`);
    assert.equal(record.coverage.histogram.length, 10);
    const again = await evaluateCheckpoint(params, () => undefined);
    assert.equal(again.record.fid, record.fid, 'the same latent set every time');
    assert.deepEqual(readQuality(runDir).records.map((r) => r.checkpoint), ['step-000010', 'step-000010']);
    assert.equal(readQualitySummary(runDir)?.best?.fid, record.fid);
    const run = readRun(runDir);
    assert.ok(run.ok && run.manifest.quality?.bestFid === record.fid, 'run.json carries the quality flag');
  });

  it('refuses a generator of other images, naming its shape and what the evaluator needs', async () => {
    const e = await evaluateError(evaluateCheckpoint({ runDir, checkpoint: 'step-000030', samples: 64, locate: { dataDirs: [] }, openEvaluator: () => openFakeEvaluator(real) }, () => undefined));
    assert.match(e.message, /outputs images \[N, 3, 16, 16\]; the fashion-mnist evaluator needs \[N, 1, 32, 32\]/);
    assert.match(e.hint, /32x32 single-channel/);
  });

  it('is offered in the Runs tree for GAN Studio checkpoints and ONNX ones, not for external checkpoints without a generator', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const item = pkg.contributes.menus['view/item/context'].find((m) => m.command === 'ganStudio.evaluateCheckpoint');
    const pattern = /viewItem =~ \/(.+)\/$/.exec(item?.when ?? '');
    assert.ok(pattern, `when-clause ${item?.when}`);
    const offered = (contextValue: string) => new RegExp(pattern[1]).test(contextValue);
    assert.deepEqual(['checkpoint', 'checkpoint:onnx', 'checkpoint:external', 'run:completed'].map(offered), [true, true, false, false]);
  });

  it('says how to log a generator when the checkpoint has none', async () => {
    const e = await evaluateError(evaluateCheckpoint({ runDir, checkpoint: 'step-000020', samples: 64, locate: { dataDirs: [] }, openEvaluator: () => openFakeEvaluator(real) }, () => undefined));
    assert.match(e.message, /external run has no generator to evaluate/);
    assert.match(e.hint, /generator_onnx=/);
  });
});
