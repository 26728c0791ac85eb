import * as assert from 'node:assert/strict';
import { Matrix } from 'ml-matrix';
import { Rng } from '../../../src/trainer/rng';
import {
  checkModeCollapse,
  classCoverage,
  featureSet,
  fitGaussian,
  frechetDistance,
  Gaussian,
  kernelInceptionDistance,
  precisionRecall,
  sqrtmSymmetric,
} from '../../../src/trainer/evaluator/metrics';

/** n samples of N(mean, L Lᵀ) in d dimensions. */
function gaussianSamples(rng: Rng, n: number, mean: number[], l: number[][]): Float64Array {
  const d = mean.length;
  const out = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = rng.normal();
    for (let a = 0; a < d; a++) {
      let v = mean[a];
      for (let b = 0; b <= a; b++) v += l[a][b] * z[b];
      out[i * d + a] = v;
    }
  }
  return out;
}

function gaussian(mean: number[], cov: number[][]): Gaussian {
  return { d: mean.length, mean: Float64Array.from(mean), cov: Float64Array.from(cov.flat()) };
}

describe('quality metrics', () => {
  it('the symmetric square root squares back to the matrix', () => {
    const m = new Matrix([
      [4, 1, 0.5],
      [1, 3, 0.2],
      [0.5, 0.2, 2],
    ]);
    const r = sqrtmSymmetric(m);
    const back = r.mmul(r);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(back.get(i, j) - m.get(i, j)) < 1e-12);
  });

  it('Fréchet distance of two diagonal Gaussians has the closed form |dmu|² + sum (sqrt a - sqrt b)²', () => {
    const a = gaussian([0, 1, 2], [[4, 0, 0], [0, 9, 0], [0, 0, 1]]);
    const b = gaussian([1, 1, 0], [[1, 0, 0], [0, 4, 0], [0, 0, 16]]);
    // |dmu|² = 1 + 0 + 4 = 5; (2-1)² + (3-2)² + (1-4)² = 11
    assert.ok(Math.abs(frechetDistance(a, b) - 16) < 1e-10);
    assert.ok(Math.abs(frechetDistance(a, a)) < 1e-10);
  });

  it('Fréchet distance of non-commuting covariances matches the 1-D-per-axis form after a common rotation', () => {
    // S1 = R diag(4, 1) Rᵀ, S2 = R diag(1, 9) Rᵀ share eigenvectors: FD = (2-1)² + (1-3)² = 5.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const rot = (d1: number, d2: number) => [
      [c * c * d1 + s * s * d2, c * s * (d1 - d2)],
      [c * s * (d1 - d2), s * s * d1 + c * c * d2],
    ];
    assert.ok(Math.abs(frechetDistance(gaussian([0, 0], rot(4, 1)), gaussian([0, 0], rot(1, 9))) - 5) < 1e-10);
    // A general pair against the trace formula computed independently: tr sqrt(S1 S2) via 2x2 eigenvalues.
    const s1 = [[2, 0.5], [0.5, 1]];
    const s2 = [[1, -0.3], [-0.3, 3]];
    const p = new Matrix(s1).mmul(new Matrix(s2));
    const tr = p.get(0, 0) + p.get(1, 1);
    const det = p.get(0, 0) * p.get(1, 1) - p.get(0, 1) * p.get(1, 0);
    // For a 2x2 matrix with positive eigenvalues: tr sqrt(P) = sqrt(tr P + 2 sqrt(det P)).
    const expected = 3 + 4 - 2 * Math.sqrt(tr + 2 * Math.sqrt(det));
    assert.ok(Math.abs(frechetDistance(gaussian([0, 0], s1), gaussian([0, 0], s2)) - expected) < 1e-10);
  });

  it('fitted Gaussians of samples recover the parameters', () => {
    const rng = new Rng(1);
    const values = gaussianSamples(rng, 20000, [1, -2], [[2, 0], [1, 1]]);
    const g = fitGaussian(featureSet(values, 2));
    assert.ok(Math.abs(g.mean[0] - 1) < 0.05 && Math.abs(g.mean[1] + 2) < 0.05);
    // L Lᵀ = [[4, 2], [2, 2]]
    assert.ok(Math.abs(g.cov[0] - 4) < 0.15 && Math.abs(g.cov[1] - 2) < 0.1 && Math.abs(g.cov[3] - 2) < 0.1);
  });

  it('KID is unbiased: near 0 for two samples of one distribution, clearly positive for shifted ones', () => {
    const rng = new Rng(2);
    const l = [[1, 0, 0, 0], [0.5, 1, 0, 0], [0, 0.2, 1, 0], [0.1, 0, 0, 1]];
    const x = featureSet(gaussianSamples(rng, 2000, [0, 0, 0, 0], l), 4);
    const y = featureSet(gaussianSamples(rng, 2000, [0, 0, 0, 0], l), 4);
    const z = featureSet(gaussianSamples(rng, 2000, [0.5, 0, 0, 0], l), 4);
    const same = kernelInceptionDistance(x, y, { subsets: 20, subsetSize: 500 });
    const shifted = kernelInceptionDistance(x, z, { subsets: 20, subsetSize: 500 });
    // Unbiased: the mean over subsets is within a few standard errors of 0 (a biased estimator is
    // positive by about E k(x,x)/m, which is far larger than this bound).
    assert.ok(Math.abs(same.mean) < 3 * (same.std / Math.sqrt(20)) + 1e-4, `same ${same.mean} ± ${same.std}`);
    assert.ok(shifted.mean > 10 * same.std, `shifted ${shifted.mean}`);
  });

  it('precision and recall: identical distributions near 1, a collapsed generator has low recall', () => {
    const rng = new Rng(3);
    const l = [[1, 0], [0, 1]];
    const real = featureSet(gaussianSamples(rng, 600, [0, 0], l), 2);
    const same = featureSet(gaussianSamples(rng, 600, [0, 0], l), 2);
    const collapsed = featureSet(gaussianSamples(rng, 600, [1.5, 1.5], [[0.05, 0], [0, 0.05]]), 2);
    const good = precisionRecall(real, same);
    assert.ok(good.precision > 0.9 && good.recall > 0.9, JSON.stringify(good));
    const bad = precisionRecall(real, collapsed);
    assert.ok(bad.recall < 0.1, JSON.stringify(bad));
    assert.ok(bad.precision > 0.8, JSON.stringify(bad));
  });

  it('class coverage: uniform predictions give entropy 1; one class gives 0 and the alarm', () => {
    const classes = 10;
    const uniform = new Float32Array(1000 * classes);
    for (let i = 0; i < 1000; i++) uniform[i * classes + (i % classes)] = 0.9;
    const u = classCoverage(uniform, classes);
    assert.ok(Math.abs(u.entropy - 1) < 1e-12);
    assert.ok(Math.abs(u.minShare - 0.1) < 1e-12 && Math.abs(u.maxShare - 0.1) < 1e-12);
    assert.ok(Math.abs(u.meanConfidence - 0.9) < 1e-6);
    assert.equal(checkModeCollapse({ entropy: u.entropy, recall: 0.5 }, []).alarm, false);

    const oneClass = new Float32Array(1000 * classes);
    for (let i = 0; i < 1000; i++) oneClass[i * classes + 4] = 1;
    const o = classCoverage(oneClass, classes);
    assert.equal(o.entropy, 0);
    assert.equal(o.maxShare, 1);
    const check = checkModeCollapse({ entropy: o.entropy, recall: 0.5 }, []);
    assert.equal(check.alarm, true);
    assert.match(check.reasons.join(' '), /coverage/);
  });

  it('the alarm also fires on a sharp drop from the best, and not on a small dip', () => {
    const history = [
      { entropy: 0.9, recall: 0.3 },
      { entropy: 0.97, recall: 0.4 },
    ];
    assert.equal(checkModeCollapse({ entropy: 0.95, recall: 0.38 }, history).alarm, false);
    assert.match(checkModeCollapse({ entropy: 0.95, recall: 0.15 }, history).reasons.join(' '), /recall fell/);
    assert.match(checkModeCollapse({ entropy: 0.81, recall: 0.4 }, history).reasons.join(' '), /coverage fell/);
  });
});
