/**
 * An external run's ONNX generator in the playground's generator process (dist/generator.js):
 * a checkpoint logged with run.checkpoint(step, generatorOnnx) loads through the GeneratorClient
 * and renders what PyTorch rendered for the same latents (test/fixtures/byog, written by
 * make_generator_onnx.py); a checkpoint without a generator and Export Generator say what to do.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeneratorClient, GeneratorError } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import * as logger from '../../../src/logger/index';
import { REPO_ROOT, tempDir } from '../helpers';
import { GENERATOR_SCRIPT } from '../playground/smokeRun';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'byog');

async function failure(promise: Promise<unknown>): Promise<GeneratorError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GeneratorError, String(error));
    return error;
  }
  throw new Error('it succeeded');
}

describe('an external run’s ONNX generator in the generator process', () => {
  let client: GeneratorClient;
  let runDir: string;

  before(() => {
    assert.ok(fs.existsSync(GENERATOR_SCRIPT), 'dist/generator.js is missing: run `npm run build` first');
    const run = logger.init({ name: 'onnx', root: tempDir(), config: { nz: 8 } });
    run.checkpoint(10, { generatorOnnx: path.join(FIXTURES, 'generator-tiny.onnx'), epoch: 1 });
    run.checkpoint(20, { epoch: 2 });
    run.finish();
    runDir = run.dir;
  });
  beforeEach(() => {
    client = new GeneratorClient({ script: GENERATOR_SCRIPT, log: () => undefined });
  });
  afterEach(async () => {
    await client.dispose();
  });

  it('loads it and renders what PyTorch rendered', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'generator-tiny.expected.json'), 'utf8')) as { latents: number[]; images: number[]; shape: number[] };
    const info = await client.load({ checkpointDir: path.join(runDir, 'checkpoints', 'step-000010'), backend: 'auto' });
    assert.deepEqual([info.step, info.latentSize, info.imageSize, info.channels, info.sampleCount], [10, 8, 32, 1, 64]);
    const result = await client.render(Float32Array.from(expected.latents), 'eval');
    const images = decodeFloat32(result.images);
    assert.equal(images.length, expected.images.length);
    let max = 0;
    images.forEach((v, i) => (max = Math.max(max, Math.abs(v - expected.images[i]))));
    assert.ok(max < 1e-4, `largest difference from PyTorch ${max}`);
  });

  it('says how to log a generator when the checkpoint has none, and that Export is for GAN Studio checkpoints', async () => {
    const none = await failure(client.load({ checkpointDir: path.join(runDir, 'checkpoints', 'step-000020'), backend: 'auto' }));
    assert.match(none.message, /of an external run has no generator/);
    assert.match(none.problem.hint ?? '', /generator_onnx=/);
    await client.load({ checkpointDir: path.join(runDir, 'checkpoints', 'step-000010'), backend: 'auto' });
    const exported = await failure(client.exportModel({ outDir: path.join(tempDir(), 'export'), replace: false, title: 'x' }));
    assert.match(exported.message, /already the ONNX file your script exported/);
  });
});
