/** The metrics' dot products on the engine's backend agree with the float64 JavaScript loops. */
import * as assert from 'node:assert/strict';
import { selectBackend } from '../../../src/trainer/backend/select';
import { featureSet, float64Products, kernelInceptionDistance, kthNeighbourRadii, precisionRecall } from '../../../src/trainer/evaluator/metrics';
import { tensorProducts } from '../../../src/trainer/evaluator/qualityEvaluator';
import { Rng } from '../../../src/trainer/rng';

function features(seed: number, n: number, d: number, shift = 0): ReturnType<typeof featureSet> {
  const rng = new Rng(seed);
  const values = new Float32Array(n * d);
  for (let i = 0; i < values.length; i++) values[i] = Math.max(0, rng.normal() + shift); // ReLU features, as the evaluator's
  return featureSet(values, d);
}

describe('quality metrics on matrix products', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('a block of backend products equals the float64 products to float32 precision', () => {
    const x = features(1, 70, 16);
    const y = features(2, 50, 16);
    const a = float64Products(x, 10, 30, y);
    const b = tensorProducts(x, 10, 30, y);
    assert.equal(b.length, 30 * 50);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * (1 + Math.abs(a[i])), `${i}: ${a[i]} vs ${b[i]}`);
    // Row 0 of the block is row 10 of x.
    let dot = 0;
    for (let t = 0; t < 16; t++) dot += x.values[10 * 16 + t] * y.values[3 * 16 + t];
    assert.ok(Math.abs(a[3] - dot) < 1e-9);
  });

  it('KID, k-NN radii and precision/recall agree between the two products', () => {
    const real = features(3, 400, 32);
    const same = features(4, 400, 32);
    const shifted = features(5, 400, 32, 0.4);
    for (const other of [same, shifted]) {
      const k64 = kernelInceptionDistance(real, other, { subsets: 5, subsetSize: 200 });
      const k32 = kernelInceptionDistance(real, other, { subsets: 5, subsetSize: 200, products: tensorProducts });
      assert.ok(Math.abs(k64.mean - k32.mean) < 1e-4 * (1 + Math.abs(k64.mean)), `KID ${k64.mean} vs ${k32.mean}`);
      assert.ok(Math.abs(k64.std - k32.std) < 1e-4 * (1 + k64.std));
      const p64 = precisionRecall(real, other, 3);
      const p32 = precisionRecall(real, other, 3, undefined, tensorProducts);
      assert.ok(Math.abs(p64.precision - p32.precision) <= 2 / 400 && Math.abs(p64.recall - p32.recall) <= 2 / 400, `${JSON.stringify(p64)} vs ${JSON.stringify(p32)}`);
    }
    const r64 = kthNeighbourRadii(real, 3);
    const r32 = kthNeighbourRadii(real, 3, tensorProducts);
    for (let i = 0; i < r64.length; i++) assert.ok(Math.abs(r64[i] - r32[i]) < 1e-4 * (1 + r64[i]));
    // Shifted features are measurably farther than a second sample of the same distribution.
    assert.ok(kernelInceptionDistance(real, shifted, { products: tensorProducts, subsets: 5, subsetSize: 200 }).mean > 10 * Math.abs(kernelInceptionDistance(real, same, { products: tensorProducts, subsets: 5, subsetSize: 200 }).mean));
  });

  it('blocks of rows cover sets larger than one block', () => {
    // 2,500,000 values per block: 1,700 x 1,700 products take two blocks (1,470 rows, then 230).
    const x = features(6, 1700, 2);
    const r = kthNeighbourRadii(x, 3, tensorProducts);
    const direct = kthNeighbourRadii(x, 3);
    assert.equal(r.length, 1700);
    for (const i of [0, 1469, 1470, 1699]) assert.ok(Math.abs(r[i] - direct[i]) < 1e-4 * (1 + direct[i]));
  });

  it('precision/recall equal the definition computed point by point, and cached KID sums change nothing', () => {
    const real = features(8, 150, 8);
    const gen = features(9, 120, 8, 0.2);
    const k = 3;
    const sq = (a: ReturnType<typeof featureSet>, i: number, b: ReturnType<typeof featureSet>, j: number) => {
      let s = 0;
      for (let t = 0; t < a.d; t++) s += (a.values[i * a.d + t] - b.values[j * b.d + t]) ** 2;
      return s;
    };
    const radii = (set: ReturnType<typeof featureSet>) =>
      Array.from({ length: set.n }, (_, i) => Array.from({ length: set.n }, (_, j) => (j === i ? Infinity : sq(set, i, set, j))).sort((a, b) => a - b)[k - 1]);
    const rr = radii(real);
    const gr = radii(gen);
    const precision = Array.from({ length: gen.n }, (_, i) => rr.some((r, j) => sq(gen, i, real, j) <= r + 1e-9)).filter(Boolean).length / gen.n;
    const recall = Array.from({ length: real.n }, (_, j) => gr.some((r, i) => sq(real, j, gen, i) <= r + 1e-9)).filter(Boolean).length / real.n;
    const pr = precisionRecall(real, gen, k);
    assert.ok(Math.abs(pr.precision - precision) <= 1 / gen.n && Math.abs(pr.recall - recall) <= 1 / real.n, `${JSON.stringify(pr)} vs ${precision}, ${recall}`);
    const cache = new Map<string, number>();
    const first = kernelInceptionDistance(real, gen, { subsets: 3, subsetSize: 100, cache });
    assert.equal(cache.size, 3);
    const again = kernelInceptionDistance(real, gen, { subsets: 3, subsetSize: 100, cache });
    const plain = kernelInceptionDistance(real, gen, { subsets: 3, subsetSize: 100 });
    assert.equal(again.mean, plain.mean);
    assert.equal(first.mean, plain.mean);
  });
});
