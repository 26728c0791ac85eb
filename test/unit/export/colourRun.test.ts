/**
 * A colour run end to end: the CLI trains MNIST (written by the test) in 3 channels; the grids are
 * RGB PNGs, run.json records the data set, the log says that quality is not measured; the
 * generator process renders and saves RGB, and both exports declare three channels (onnxruntime
 * runs the ONNX model and reproduces the generator); Evaluate Checkpoint refuses with the reason.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GeneratorClient } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import { parseRunManifest } from '../../../src/protocol/runFormat';
import { evaluateCheckpoint } from '../../../src/generator/evaluateCheckpoint';
import { decodePng } from '../../../src/trainer/image/png';
import { diskRunFolder } from '../../../src/common/runCheckFs';
import { checkRunFolder } from '../../../src/protocol/runCheck';
import { tempDir } from '../helpers';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from '../playground/smokeRun';

describe('a colour run (mnist in 3 channels)', () => {
  let runDir: string;
  let client: GeneratorClient;
  before(() => {
    runDir = smokeRun({ dataset: 'mnist', channels: 3, evalEvery: 4 });
    client = new GeneratorClient({ script: GENERATOR_SCRIPT });
  });
  after(async () => {
    await client?.dispose();
  });

  it('writes RGB grids, records the data set and says that quality is not measured', () => {
    const manifest = parseRunManifest(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')));
    assert.deepEqual([manifest.config.dataset, manifest.config.channels], ['mnist', 3]);
    for (const file of ['samples/real.grid.png', ...manifest.samples.map((s) => s.file)]) {
      const png = decodePng(fs.readFileSync(path.join(runDir, file)));
      assert.deepEqual([png.width, png.height, png.channels], [274, 274, 3], file);
    }
    const real = decodePng(fs.readFileSync(path.join(runDir, 'samples/real.grid.png')));
    for (let i = 0; i < real.pixels.length; i += 3) assert.ok(real.pixels[i] === real.pixels[i + 1] && real.pixels[i] === real.pixels[i + 2], 'grey data repeated into RGB');
    assert.deepEqual(checkRunFolder(diskRunFolder(runDir)), [], '`gan-studio runs check` accepts the RGB grids of a 3-channel run');
    const log = fs.readFileSync(path.join(runDir, 'trainer.log'), 'utf8');
    assert.match(log, /Sample quality is not measured for the mnist data set/);
  });

  it('renders, saves and exports three channels (ONNX [N, 3, H, W], TF.js [N, H, W, 3])', async () => {
    const info = await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    assert.equal(info.channels, 3);
    const fixed = decodeFloat32(info.fixedNoise).slice(0, 4 * info.latentSize);
    const rendered = decodeFloat32((await client.render(fixed, 'eval')).images);
    assert.equal(rendered.length, 4 * 32 * 32 * 3);
    const file = path.join(tempDir(), 'grid.png');
    await client.saveGrid({ latents: fixed, batchNorm: 'eval', file, mapping: 'fixed', columns: 2, text: {} });
    assert.deepEqual(((p) => [p.width, p.height, p.channels])(decodePng(fs.readFileSync(file))), [70, 70, 3]);

    const tfjs = await client.exportModel({ format: 'tfjs', outDir: path.join(tempDir(), 'tfjs'), replace: false, title: 'colour' });
    assert.deepEqual(tfjs.outputShape, [32, 32, 3]);
    const onnx = await client.exportModel({ format: 'onnx', outDir: path.join(tempDir(), 'onnx'), replace: false, title: 'colour' });
    assert.deepEqual(onnx.outputShape, [3, 32, 32]);
    assert.match(fs.readFileSync(path.join(onnx.outDir, 'README.md'), 'utf8'), /`\[batch, 3, 32, 32\]` \(NCHW\)/);
    const session = await ort.InferenceSession.create(path.join(onnx.outDir, 'generator.onnx'));
    const out = await session.run({ z: new ort.Tensor('float32', fixed, [4, info.latentSize]) });
    assert.deepEqual(out.image.dims, [4, 3, 32, 32]);
    const data = out.image.data as Float32Array;
    let max = 0;
    for (let n = 0; n < 4; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < 1024; i++) max = Math.max(max, Math.abs(data[(n * 3 + c) * 1024 + i] - rendered[(n * 1024 + i) * 3 + c]));
    assert.ok(max < 1e-4, `ONNX differs from the generator by ${max}`);
    await session.release();
  });

  it('Evaluate Checkpoint says that only FashionMNIST runs are evaluated', async () => {
    await assert.rejects(
      evaluateCheckpoint({ runDir, locate: { dataDirs: [] } }, () => undefined),
      (e: Error & { hint?: string }) => /trained on the mnist data set, and sample quality is measured for FashionMNIST runs only/.test(e.message) && /registry\.ts/.test(e.hint ?? ''),
    );
  });
});
