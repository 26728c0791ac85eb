/**
 * The generator child process (dist/generator.js) through the host's GeneratorClient: it loads a
 * real checkpoint, reproduces the run's last sample grid exactly, renders each image independently
 * in eval mode, saves grids, and explains damaged checkpoints and checkpoints of another architecture.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeneratorClient, GeneratorError } from '../../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../../src/protocol/binary';
import { composeGrid, toPixels } from '../../../src/protocol/gridLayout';
import { decodeGrayPng } from '../../../src/trainer/image/png';
import { tempDir } from '../helpers';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from './smokeRun';

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

async function loadError(client: GeneratorClient, checkpointDir: string): Promise<GeneratorError> {
  try {
    await client.load({ checkpointDir, backend: 'auto' });
  } catch (error) {
    assert.ok(error instanceof GeneratorError, String(error));
    return error;
  }
  throw new Error(`${checkpointDir} loaded`);
}

/** A copy of a checkpoint folder that a test may damage. */
function copyCheckpoint(dir: string): string {
  const copy = path.join(tempDir(), 'checkpoints', path.basename(dir));
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

describe('generator process (real child)', () => {
  let runDir: string;
  let client: GeneratorClient;
  const logs: string[] = [];

  before(() => {
    runDir = smokeRun();
  });
  beforeEach(() => {
    client = new GeneratorClient({ script: GENERATOR_SCRIPT, log: (l) => logs.push(l) });
  });
  afterEach(async () => {
    await client.dispose();
    assert.equal(client.running, false, 'the child process has exited');
  });

  it('reproduces the run’s last sample grid exactly from the checkpoint (fixed noise, train mode, min-max)', async () => {
    const last = checkpointsOf(runDir).pop()!;
    const info = await client.load({ checkpointDir: last, backend: 'auto' });
    assert.deepEqual([info.step, info.latentSize, info.featureSize, info.sampleCount, info.imageSize, info.backend.name], [8, 100, 8, 64, 32, 'wasm']);
    assert.ok(logs.some((l) => l.startsWith('Loaded the generator')));
    const fixed = decodeFloat32(info.fixedNoise);
    const { images, count } = await client.render(fixed, 'train');
    assert.equal(count, 64);
    const { pixels } = composeGrid(toPixels(decodeFloat32(images), 'minmax'), 32);
    const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    // Grids and checkpoints count iterations completed alike: the grid of step 8 is the checkpoint of step 8.
    const grid = manifest.samples.find((s: { step: number }) => s.step === info.step);
    const png = decodeGrayPng(fs.readFileSync(path.join(runDir, grid.file)));
    assert.deepEqual(pixels, png.pixels, `the playground shows ${grid.file} pixel for pixel`);
    // Rendering in train mode must not move the running statistics that eval mode uses.
    const before = decodeFloat32((await client.render(fixed.subarray(0, 100), 'eval')).images);
    await client.render(fixed, 'train');
    assert.deepEqual(decodeFloat32((await client.render(fixed.subarray(0, 100), 'eval')).images), before, 'the same request gives the same bits');
  });

  it('renders each image from its own latent in eval mode, and from the batch in train mode', async () => {
    const info = await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    const latents = await client.latents(3, 16);
    assert.equal(latents.length, 16 * info.latentSize);
    assert.deepEqual(await client.latents(3, 4), latents.subarray(0, 4 * info.latentSize), 'a smaller batch of the same seed is a prefix');
    assert.notDeepEqual(await client.latents(4, 4), latents.subarray(0, 4 * info.latentSize));
    const size = 32 * 32;
    const all = decodeFloat32((await client.render(latents, 'eval')).images);
    const third = decodeFloat32((await client.render(latents.subarray(2 * 100, 3 * 100), 'eval')).images);
    // Equal up to float rounding (a backend may sum in another order for another batch size).
    assert.ok(maxAbsDiff(third, all.subarray(2 * size, 3 * size)) < 1e-5, 'eval: image 2 alone equals image 2 of the batch');
    assert.ok(all.every((v) => v >= -1 && v <= 1), 'tanh outputs');
    const trainAll = decodeFloat32((await client.render(latents, 'train')).images);
    const trainHalf = decodeFloat32((await client.render(latents.subarray(0, 8 * 100), 'train')).images);
    assert.ok(maxAbsDiff(trainHalf.subarray(0, size), trainAll.subarray(0, size)) > 1e-3, 'train: an image depends on the rest of the batch');
  });

  it('saves the grid as a PNG with its settings, atomically', async () => {
    await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    const latents = await client.latents(1, 16);
    const file = path.join(tempDir(), 'grid.png');
    const saved = await client.saveGrid({ file, latents, batchNorm: 'eval', mapping: 'fixed', columns: 4, text: { Latents: 'seed 1' } });
    assert.deepEqual([saved.width, saved.height], [138, 138]);
    const png = decodeGrayPng(fs.readFileSync(file));
    assert.equal(png.text.Latents, 'seed 1');
    const expected = composeGrid(toPixels(decodeFloat32((await client.render(latents, 'eval')).images), 'fixed'), 32, 4).pixels;
    assert.deepEqual(png.pixels, expected);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['grid.png'], 'no temporary file is left');
  });

  it('rejects bad requests with a message', async () => {
    await assert.rejects(client.render(new Float32Array(100), 'eval'), /No checkpoint is loaded/);
    await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    await assert.rejects(client.render(new Float32Array(150), 'eval'), /150 values are not 1 to 256 latent vectors of 100/);
    await assert.rejects(client.render(new Float32Array(257 * 100), 'eval'), /not 1 to 256 latent vectors/);
    await assert.rejects(client.render(new Float32Array([Number.NaN, ...new Array(99).fill(0)]), 'eval'), /not finite/);
    await assert.rejects(client.latents(-1, 4), /The seed must be a whole number from 0 to 4294967295/);
    await assert.rejects(client.saveGrid({ file: 'relative.png', latents: new Float32Array(100), batchNorm: 'eval', mapping: 'fixed', columns: 1, text: {} }), /absolute file path/);
  });

  it('explains a missing or damaged checkpoint and what to do', async () => {
    const missing = await loadError(client, path.join(runDir, 'checkpoints', 'step-999999'));
    assert.match(missing.problem.message, /step-999999 cannot be read/);
    assert.match(missing.problem.hint!, /Open another checkpoint of the run/);

    const truncated = copyCheckpoint(checkpointsOf(runDir).pop()!);
    const bin = path.join(truncated, 'tensors.bin');
    fs.truncateSync(bin, Math.floor(fs.statSync(bin).size / 2));
    const damaged = await loadError(client, truncated);
    assert.match(damaged.problem.message, /is truncated or damaged \(tensor /);
    assert.match(damaged.problem.hint!, /damaged or incomplete/);

    const garbled = copyCheckpoint(checkpointsOf(runDir).pop()!);
    fs.writeFileSync(path.join(garbled, 'checkpoint.json'), '{"formatVersion": 1, "step": ');
    assert.match((await loadError(client, garbled)).problem.message, /cannot be read/);
  });

  it('explains a checkpoint whose tensors are of another architecture', async () => {
    const other = copyCheckpoint(checkpointsOf(runDir).pop()!);
    const file = path.join(other, 'checkpoint.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    manifest.config.featureSize = 16; // the tensors were trained with width 8
    fs.writeFileSync(file, JSON.stringify(manifest));
    const error = await loadError(client, other);
    assert.match(error.problem.message, /does not match the model \(G\/0\/weight has 51200 values, expected 102400\)/);
    assert.match(error.problem.message, /latent size 100 and width 16, but the tensors are of another architecture/);
    assert.match(error.problem.hint!, /another model or a different version of GAN Studio/);

    const foreign = copyCheckpoint(checkpointsOf(runDir).pop()!);
    const foreignFile = path.join(foreign, 'checkpoint.json');
    const f = JSON.parse(fs.readFileSync(foreignFile, 'utf8'));
    f.tensors = f.tensors.map((t: { name: string }) => ({ ...t, name: t.name.replace(/^G\//, 'generator/') }));
    fs.writeFileSync(foreignFile, JSON.stringify(f));
    const notOurs = await loadError(client, foreign);
    assert.match(notOurs.problem.message, /has no G\/0\/weight: it was not written by GAN Studio/);
  });

  it('reports the end of the process as an error for later calls', async () => {
    await client.load({ checkpointDir: checkpointsOf(runDir).pop()!, backend: 'auto' });
    process.kill(client.pid!, 'SIGKILL');
    await assert.rejects(client.latents(1, 1), (error: GeneratorError) => /The generator process ended \(signal SIGKILL\)/.test(error.problem.message));
  });
});
