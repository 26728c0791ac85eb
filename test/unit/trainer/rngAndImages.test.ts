import * as assert from 'node:assert/strict';
import { gridSize, makeGrid } from '../../../src/trainer/image/grid';
import { decodeGrayPng, encodeGrayPng } from '../../../src/trainer/image/png';
import { epochPermutation, Rng } from '../../../src/trainer/rng';
import { closeTo } from '../helpers';

describe('the seeded random generator', () => {
  it('repeats for a seed and differs between seeds and streams', () => {
    const draw = (rng: Rng) => Array.from({ length: 5 }, () => rng.nextUint32());
    assert.deepEqual(draw(new Rng(42)), draw(new Rng(42)));
    assert.notDeepEqual(draw(new Rng(42)), draw(new Rng(43)));
    assert.notDeepEqual(draw(new Rng(42, 1)), draw(new Rng(42, 2)));
  });

  it('continues exactly from a saved state (including a pending normal)', () => {
    const a = new Rng(7);
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState())) as number[];
    const expected = Array.from({ length: 6 }, () => a.normal());
    const b = new Rng(0);
    b.setState(saved);
    assert.deepEqual(Array.from({ length: 6 }, () => b.normal()), expected);
  });

  it('draws standard normals', () => {
    const values = new Rng(1).fillNormal(new Float32Array(200000));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    closeTo(mean, 0, 0.01, 'mean');
    closeTo(variance, 1, 0.02, 'variance');
  });

  it('rejects a damaged state', () => {
    assert.throws(() => new Rng(1).setState([1, 2, 3]), /Invalid random generator state/);
  });

  it('shuffles into a permutation that depends on seed and epoch only', () => {
    const p = epochPermutation(42, 3, 1000);
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(p, epochPermutation(42, 3, 1000));
    assert.notDeepEqual(p, epochPermutation(42, 4, 1000));
  });
});

describe('sample grids (make_grid with padding 2, normalize=True)', () => {
  it('lays 64 images of 32x32 out as 8x8 on a 274x274 canvas', () => {
    assert.deepEqual(gridSize(64, 32), { width: 274, height: 274 });
    assert.deepEqual(gridSize(10, 32), { width: 274, height: 70 });
  });

  it('min-max normalises over the whole batch and leaves the padding black', () => {
    const images = new Float32Array(64 * 1024);
    images.fill(-0.5);
    images[0] = -1; // the minimum: image 0, pixel (0, 0)
    images[63 * 1024 + 1023] = 0.5; // the maximum: image 63, pixel (31, 31)
    const grid = makeGrid(images, 32);
    const at = (x: number, y: number) => grid.pixels[y * grid.width + x];
    assert.equal(at(2, 2), 0);
    assert.equal(at(2 + 7 * 34 + 31, 2 + 7 * 34 + 31), 255);
    assert.equal(at(3, 2), Math.floor((0.5 / 1.5) * 255 + 0.5)); // (-0.5 - min) / (max - min)
    for (const [x, y] of [[0, 0], [1, 100], [34, 50], [35, 50], [273, 273]]) assert.equal(at(x, y), 0, `padding at ${x},${y}`);
  });

  it('round-trips through PNG with its text chunks', () => {
    const pixels = Uint8Array.from({ length: 12 * 5 }, (_, i) => (i * 37) % 256);
    const png = encodeGrayPng(12, 5, pixels, { Step: '500' });
    assert.deepEqual(png.subarray(1, 4).toString('ascii'), 'PNG');
    const decoded = decodeGrayPng(png);
    assert.equal(decoded.width, 12);
    assert.deepEqual(Array.from(decoded.pixels), Array.from(pixels));
    assert.equal(decoded.text.Step, '500');
  });
});
