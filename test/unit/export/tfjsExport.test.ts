/**
 * "Export Generator" round trip: the generator process writes a TensorFlow.js Layers model from a
 * real checkpoint; @tensorflow/tfjs (not GAN Studio's trainer code) loads it the way a browser
 * does (tf.loadLayersModel over HTTP) and must reproduce the checkpoint's generator: predict() its
 * eval-mode output, apply(…, {training: true}) its train-mode output (the sample grids' mode).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GeneratorClient } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import type { ExportResult, GeneratorInfo } from '../../../src/protocol/generatorProtocol';
import { tempDir } from '../helpers';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from '../playground/smokeRun';

/** Serves the export folder to tfjs's HTTP loader, as a static web server would. */
function serveFolder(dir: string, requested: string[]) {
  return async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requested.push(url.pathname);
    const file = path.join(dir, decodeURIComponent(url.pathname.replace(/^\/models\//, '')));
    if (!fs.existsSync(file)) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(file), { status: 200 });
  };
}

function maxAbsDiff(a: Float32Array | ArrayLike<number>, b: Float32Array | ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('Export Generator (TensorFlow.js round trip)', () => {
  let client: GeneratorClient;
  let info: GeneratorInfo;
  let exported: ExportResult;
  let previousBackend: string;

  before(async () => {
    const runDir = smokeRun({ featureSize: 16 });
    client = new GeneratorClient({ script: GENERATOR_SCRIPT });
    info = await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    exported = await client.exportModel({ outDir: path.join(tempDir(), 'smoke-step-000008-tfjs'), replace: false, title: 'smoke' });
    previousBackend = tf.getBackend();
    // tfjs's own plain-JavaScript kernels: nothing of GAN Studio's backend code.
    await tf.setBackend('cpu');
  });
  after(async () => {
    await client?.dispose();
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('writes model.json, one weights shard and a README that gives the latent size and the pixel mapping', () => {
    assert.deepEqual(fs.readdirSync(exported.outDir).sort(), ['README.md', 'group1-shard1of1.bin', 'model.json']);
    assert.deepEqual(exported.files.sort(), ['README.md', 'group1-shard1of1.bin', 'model.json']);
    assert.equal(exported.latentSize, 100);
    assert.deepEqual(exported.outputShape, [32, 32, 1]);
    const model = JSON.parse(fs.readFileSync(path.join(exported.outDir, 'model.json'), 'utf8'));
    assert.equal(model.format, 'layers-model');
    assert.deepEqual(model.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    const floats = model.weightsManifest[0].weights.reduce((n: number, w: { shape: number[] }) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(fs.statSync(path.join(exported.outDir, 'group1-shard1of1.bin')).size, floats * 4);
    const readme = fs.readFileSync(path.join(exported.outDir, 'README.md'), 'utf8');
    assert.match(readme, /`\[batch, 100\]` float32 latent vectors/);
    assert.match(readme, /`\[batch, 32, 32, 1\]` \(NHWC\), tanh, values in \[-1, 1\]/);
    assert.match(readme, /\(v \+ 1\) \/ 2 maps \[-1, 1\] to \[0, 1\]/);
    assert.match(readme, /tf\.loadLayersModel\('model\.json'\)/);
  });

  it('loads with tf.loadLayersModel over HTTP and predict() reproduces the generator (running statistics)', async () => {
    const requested: string[] = [];
    const model = await tf.loadLayersModel('http://localhost/models/model.json', { fetchFunc: serveFolder(exported.outDir, requested) });
    assert.deepEqual(requested, ['/models/model.json', '/models/group1-shard1of1.bin'], 'the weights are fetched relative to model.json');
    assert.deepEqual(model.inputs[0].shape, [null, 100]);
    assert.deepEqual(model.outputs[0].shape, [null, 32, 32, 1]);
    const meta = model.getUserDefinedMetadata() as { ganStudio: { checkpoint: string; latentSize: number } };
    assert.deepEqual([meta.ganStudio.checkpoint, meta.ganStudio.latentSize], [info.checkpointId, 100]);

    // A fixed latent: the first vectors of the run's fixed noise.
    const z = decodeFloat32(info.fixedNoise).slice(0, 4 * 100);
    const expected = decodeFloat32((await client.render(z, 'eval')).images);
    const output = model.predict(tf.tensor2d(z, [4, 100])) as tf.Tensor;
    assert.deepEqual(output.shape, [4, 32, 32, 1]);
    const actual = await output.data();
    const diff = maxAbsDiff(actual as Float32Array, expected);
    assert.ok(diff < 1e-4, `predict() differs from the checkpoint's generator by ${diff}`);
    assert.ok(Math.max(...expected) - Math.min(...expected) > 0.05, 'the outputs are not a constant image');
    tf.dispose(output);
    model.dispose();
  });

  it('apply(z, {training: true}) reproduces the sample grids’ train mode (batch statistics)', async () => {
    const model = await tf.loadLayersModel('http://localhost/models/model.json', { fetchFunc: serveFolder(exported.outDir, []) });
    const fixed = decodeFloat32(info.fixedNoise);
    const expected = decodeFloat32((await client.render(fixed, 'train')).images);
    const output = model.apply(tf.tensor2d(fixed, [info.sampleCount, 100]), { training: true }) as tf.Tensor;
    const diff = maxAbsDiff((await output.data()) as Float32Array, expected);
    assert.ok(diff < 1e-4, `apply(training) differs from the train-mode generator by ${diff}`);
    tf.dispose(output);
    model.dispose();
  });

  it('refuses to overwrite an export unless asked to replace it', async () => {
    await assert.rejects(client.exportModel({ outDir: exported.outDir, replace: false, title: 'smoke' }), /already exists/);
    const again = await client.exportModel({ outDir: exported.outDir, replace: true, title: 'smoke' });
    assert.equal(again.outDir, exported.outDir);
    assert.deepEqual(fs.readdirSync(path.dirname(exported.outDir)), [path.basename(exported.outDir)], 'no temporary folders are left');
  });
});
