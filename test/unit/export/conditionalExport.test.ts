/**
 * Export of a conditional 64x64 generator: the ONNX model and the TensorFlow.js Layers model take
 * the class as a second input (`label`, [batch, 10] one-hot) and reproduce the checkpoint's
 * generator in eval mode for the same latents and classes; python3-onnx's checker accepts the
 * ONNX file where it is installed.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { GeneratorClient } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import type { ExportResult, GeneratorInfo } from '../../../src/protocol/generatorProtocol';
import { tempDir } from '../helpers';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from '../playground/smokeRun';
import { pythonWith } from './python';

const LATENT = 100;
const CLASSES = 10;
const SIZE = 64;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function oneHot(labels: number[]): Float32Array {
  const out = new Float32Array(labels.length * CLASSES);
  labels.forEach((label, i) => (out[i * CLASSES + label] = 1));
  return out;
}

describe('Export Generator of a conditional 64x64 run (label as a second input)', () => {
  let client: GeneratorClient;
  let info: GeneratorInfo;
  let onnx: ExportResult;
  let tfjs: ExportResult;
  let previousBackend: string;
  // One latent under four classes, and two latents under a half-and-half mix of two classes.
  const labels = [0, 1, 7, 9];
  let z: Float32Array;
  let classes: Float32Array;
  let expected: Float32Array;

  before(async () => {
    const runDir = smokeRun({ featureSize: 8, conditional: true, imageSize: 64 });
    client = new GeneratorClient({ script: GENERATOR_SCRIPT });
    info = await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    const first = decodeFloat32(info.fixedNoise).slice(0, LATENT);
    z = new Float32Array(6 * LATENT);
    for (let i = 0; i < 6; i++) z.set(first, i * LATENT);
    const mix = oneHot([1]).map((v, i) => 0.5 * v + 0.5 * oneHot([9])[i]); // halfway between Trouser and Ankle boot
    classes = new Float32Array([...oneHot(labels), ...mix, ...mix]);
    expected = decodeFloat32((await client.render(z, 'eval', classes)).images);
    onnx = await client.exportModel({ format: 'onnx', outDir: path.join(tempDir(), 'cond-onnx'), replace: false, title: 'conditional' });
    tfjs = await client.exportModel({ format: 'tfjs', outDir: path.join(tempDir(), 'cond-tfjs'), replace: false, title: 'conditional' });
    previousBackend = tf.getBackend();
    await tf.setBackend('cpu');
  });
  after(async () => {
    await client?.dispose();
    if (previousBackend) await tf.setBackend(previousBackend);
  });

  it('the generator process names the classes and renders one latent differently under each class', () => {
    assert.equal(info.imageSize, SIZE);
    assert.equal(info.sampleCount, 80);
    assert.deepEqual(info.classNames?.[7], 'Sneaker');
    const area = SIZE * SIZE;
    for (let i = 1; i < labels.length; i++) assert.ok(maxAbsDiff(expected.subarray(0, area), expected.subarray(i * area, (i + 1) * area)) > 1e-4, `class ${labels[i]} differs from class 0`);
  });

  it('ONNX: inputs z [batch, 100] and label [batch, 10]; onnxruntime reproduces the generator (eval mode), mixtures included', async () => {
    assert.deepEqual(onnx.outputShape, [1, SIZE, SIZE]);
    const session = await ort.InferenceSession.create(path.join(onnx.outDir, 'generator.onnx'));
    assert.deepEqual(session.inputNames, ['z', 'label']);
    const out = await session.run({ z: new ort.Tensor('float32', z, [6, LATENT]), label: new ort.Tensor('float32', classes, [6, CLASSES]) });
    assert.deepEqual(out.image.dims, [6, 1, SIZE, SIZE]);
    const diff = maxAbsDiff(out.image.data as Float32Array, expected); // one channel: NCHW and NHWC agree
    assert.ok(diff < 1e-4, `ONNX output differs from the checkpoint's generator by ${diff}`);
    await session.release();
    const readme = fs.readFileSync(path.join(onnx.outDir, 'README.md'), 'utf8');
    assert.match(readme, /input `label` \| `\[batch, 10\]` float32 one-hot classes \(0 T-shirt\/top/);
  });

  it('TensorFlow.js: predict([z, label]) reproduces the generator (eval mode)', async () => {
    assert.deepEqual(tfjs.outputShape, [SIZE, SIZE, 1]);
    const [weightSpecs, weightData] = weightsOf(tfjs.outDir);
    const modelTopology = JSON.parse(fs.readFileSync(path.join(tfjs.outDir, 'model.json'), 'utf8')).modelTopology;
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData }));
    assert.deepEqual(model.inputs.map((i) => i.shape), [[null, LATENT], [null, CLASSES]]);
    const output = model.predict([tf.tensor2d(z, [6, LATENT]), tf.tensor2d(classes, [6, CLASSES])]) as tf.Tensor;
    assert.deepEqual(output.shape, [6, SIZE, SIZE, 1]);
    const diff = maxAbsDiff((await output.data()) as Float32Array, expected);
    assert.ok(diff < 1e-4, `predict() differs from the checkpoint's generator by ${diff}`);
    tf.dispose(output);
    model.dispose();
  });

  const python = pythonWith('onnx');
  if (python) {
    it(`the ONNX file passes onnx.checker.check_model (full check) of python3-onnx (${python})`, () => {
      const result = spawnSync(python, ['-c', 'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)', path.join(onnx.outDir, 'generator.onnx')], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    });
  }
});

/** The weight specs and data of an export folder, for tf.io.fromMemory. */
function weightsOf(dir: string): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  const bytes = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  return [json.weightsManifest[0].weights, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
}
