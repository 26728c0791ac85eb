/**
 * "Export Generator" as ONNX: the generator process writes generator.onnx from a real checkpoint;
 * onnxruntime-node (not GAN Studio's trainer code) runs it on the run's fixed noise and must
 * reproduce the checkpoint's generator in eval mode (running statistics) within 1e-4 (BatchNorm is
 * folded into the convolution weights, so float32 rounding differs slightly); the model declares
 * opset 17, a dynamic batch and the metadata; Debian's python3-onnx checker accepts it where
 * python3-onnx is installed (.ci/run installs it).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GeneratorClient } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import type { ExportResult, GeneratorInfo } from '../../../src/protocol/generatorProtocol';
import { decodeOnnxModel } from '../../../src/trainer/backend/ort/onnxModel';
import { tempDir } from '../helpers';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from '../playground/smokeRun';
import { pythonWith } from './python';

const TOLERANCE = 1e-4;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** NHWC -> NCHW. */
function toNchw(values: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[((i * c + k) * h + y) * w + x] = values[((i * h + y) * w + x) * c + k];
  return out;
}

describe('Export Generator (ONNX round trip)', () => {
  let client: GeneratorClient;
  let info: GeneratorInfo;
  let exported: ExportResult;
  let modelFile: string;

  before(async () => {
    const runDir = smokeRun({ featureSize: 16 });
    client = new GeneratorClient({ script: GENERATOR_SCRIPT });
    info = await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    exported = await client.exportModel({ format: 'onnx', outDir: path.join(tempDir(), 'smoke-step-000008-onnx'), replace: false, title: 'smoke' });
    modelFile = path.join(exported.outDir, 'generator.onnx');
  });
  after(async () => {
    await client?.dispose();
  });

  it('writes generator.onnx and a README with the Python example', () => {
    assert.deepEqual(fs.readdirSync(exported.outDir).sort(), ['README.md', 'generator.onnx']);
    assert.deepEqual(exported.outputShape, [1, 32, 32]);
    const readme = fs.readFileSync(path.join(exported.outDir, 'README.md'), 'utf8');
    assert.match(readme, /ort\.InferenceSession\("generator\.onnx"\)/);
    assert.match(readme, /`\[batch, 100\]` float32 latent vectors/);
    assert.match(readme, /`\[batch, 1, 32, 32\]` \(NCHW\)/);
  });

  it('declares IR 8, opset 17, input z [batch, latent], output image NCHW and the metadata', () => {
    const model = decodeOnnxModel(fs.readFileSync(modelFile));
    assert.equal(Number(model.irVersion), 8);
    assert.deepEqual(model.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    const shape = (v: { type?: { tensorType?: { shape?: { dim?: { dimParam?: string | null; dimValue?: unknown }[] | null } | null } | null } | null }) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    assert.equal(model.graph!.input![0].name, 'z');
    assert.deepEqual(shape(model.graph!.input![0]), ['batch', 100]);
    assert.equal(model.graph!.output![0].name, 'image');
    assert.deepEqual(shape(model.graph!.output![0]), ['batch', 1, 32, 32]);
    const ops = model.graph!.node!.map((n) => n.opType);
    assert.ok(!ops.includes('BatchNormalization'), `BatchNorm is folded: ${ops.join(', ')}`);
    assert.deepEqual(ops.filter((o) => o === 'ConvTranspose').length, 4);
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    assert.equal(meta['gan_studio.run_id'], info.runId);
    assert.equal(meta['gan_studio.checkpoint'], info.checkpointId);
    assert.equal(meta['gan_studio.step'], String(info.step));
    assert.equal(meta.latent_size, '100');
    assert.match(meta.pixel_mapping, /\(v \+ 1\) \/ 2 \* 255/);
  });

  it(`onnxruntime-node reproduces the checkpoint's eval-mode output for the run's fixed noise (max |diff| < ${TOLERANCE})`, async () => {
    const session = await ort.InferenceSession.create(modelFile);
    assert.deepEqual(session.inputNames, ['z']);
    assert.deepEqual(session.outputNames, ['image']);
    const fixed = decodeFloat32(info.fixedNoise);
    const expected = toNchw(decodeFloat32((await client.render(fixed, 'eval')).images), info.sampleCount, 32, 32, 1);
    const out = await session.run({ z: new ort.Tensor('float32', fixed, [info.sampleCount, 100]) });
    assert.deepEqual(out.image.dims, [info.sampleCount, 1, 32, 32]);
    const diff = maxAbsDiff(out.image.data as Float32Array, expected);
    assert.ok(diff < TOLERANCE, `ONNX output differs from the checkpoint's generator by ${diff}`);
    assert.ok(Math.max(...expected) - Math.min(...expected) > 0.05, 'the outputs are not a constant image');
    // Any batch size: one latent alone gives the first image (eval mode, no batch statistics).
    const one = await session.run({ z: new ort.Tensor('float32', fixed.slice(0, 100), [1, 100]) });
    assert.ok(maxAbsDiff(one.image.data as Float32Array, expected.slice(0, 32 * 32)) < TOLERANCE);
    await session.release();
  });

  const python = pythonWith('onnx');
  if (python) {
    it(`passes onnx.checker.check_model (full check) of python3-onnx (${python})`, () => {
      const result = spawnSync(python, ['-c', 'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(onnx.__version__)', modelFile], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    });
  }
});
