/**
 * Sample-quality metrics on evaluator features, in float64; pure (no TensorFlow.js, no I/O).
 *
 * - Fréchet distance of two Gaussians fitted to the features (FID, here "FID-FMNIST": computed on
 *   the FashionMNIST evaluator's features, so NOT comparable with Inception-FID figures of papers):
 *   |mu1 - mu2|² + tr S1 + tr S2 - 2 tr sqrt(sqrt(S1) S2 sqrt(S1)), the square roots by
 *   symmetric eigendecompositions (ml-matrix), negative eigenvalues of round-off clamped to 0.
 * - KID: unbiased MMD² with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, mean and
 *   standard deviation over random subsets (Bińkowski et al. 2018).
 * - Precision and recall with k-nearest-neighbour manifolds (Kynkäänniemi et al. 2019, k = 3).
 * - Class coverage of the evaluator's predictions, and a mode-collapse alarm.
 *
 * KID and precision/recall spend their time in dot products of feature rows; they take them in
 * blocks from a `DotProducts` function: `float64Products` (plain JavaScript, exact in float64; the
 * default) or a matrix product on the engine's backend (qualityEvaluator.ts, float32 products of
 * float32 features, summed in float64 here). The Fréchet distance is always float64.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { Rng } from '../rng';

/** n row vectors of d features, row-major. */
export interface FeatureSet {
  n: number;
  d: number;
  values: Float32Array | Float64Array;
}

export interface Gaussian {
  d: number;
  mean: Float64Array;
  /** d x d, row-major, unbiased (n - 1). */
  cov: Float64Array;
}

export function featureSet(values: Float32Array | Float64Array, d: number): FeatureSet {
  if (values.length % d !== 0) throw new RangeError(`${values.length} values are not rows of ${d}`);
  return { n: values.length / d, d, values };
}

export function fitGaussian(set: FeatureSet): Gaussian {
  const { n, d, values } = set;
  if (n < 2) throw new RangeError('A covariance needs at least two samples');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += values[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = values[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      const row = a * d;
      for (let b = a; b < d; b++) cov[row + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b] / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { d, mean, cov };
}

function toMatrix(values: Float64Array, d: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < d; i++) rows.push(Array.from(values.subarray(i * d, (i + 1) * d)));
  return new Matrix(rows);
}

/** Eigenvalues (clamped at 0) and eigenvectors of a symmetric positive semi-definite matrix. */
function symmetricEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  // Symmetrise exactly so round-off cannot make the symmetric solver see an asymmetric matrix.
  const sym = m.clone().add(m.transpose()).mul(0.5);
  const e = new EigenvalueDecomposition(sym, { assumeSymmetric: true });
  return { values: e.realEigenvalues.map((v) => Math.max(v, 0)), vectors: e.eigenvectorMatrix };
}

/** The symmetric square root of a symmetric PSD matrix: V diag(sqrt λ) Vᵀ. */
export function sqrtmSymmetric(m: Matrix): Matrix {
  const { values, vectors } = symmetricEigen(m);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) {
    const s = Math.sqrt(values[j]);
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * s);
  }
  return scaled.mmul(vectors.transpose());
}

/** Fréchet distance between N(mu1, S1) and N(mu2, S2). */
export function frechetDistance(a: Gaussian, b: Gaussian): number {
  if (a.d !== b.d) throw new RangeError(`Feature sizes differ: ${a.d} and ${b.d}`);
  const d = a.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  let trace = 0;
  for (let j = 0; j < d; j++) trace += a.cov[j * d + j] + b.cov[j * d + j];
  const sqrtA = sqrtmSymmetric(toMatrix(a.cov, d));
  const inner = sqrtA.mmul(toMatrix(b.cov, d)).mmul(sqrtA);
  const traceSqrt = symmetricEigen(inner).values.reduce((sum, v) => sum + Math.sqrt(v), 0);
  return Math.max(0, meanTerm + trace - 2 * traceSqrt);
}

/**
 * Dot products of rows [rowStart, rowStart + rowCount) of `x` with every row of `y`: a block
 * [rowCount, y.n], row-major.
 */
export type DotProducts = (x: FeatureSet, rowStart: number, rowCount: number, y: FeatureSet) => Float32Array | Float64Array;

/**
 * `DotProducts` in plain JavaScript, accumulated in float64: four rows of x against one row of y at
 * a time (each value of y read once for four products), which V8 runs several times faster than
 * one product at a time, and faster than the wasm backend's float32 matMul on these machines.
 */
export const float64Products: DotProducts = (x, rowStart, rowCount, y) => {
  const d = x.d;
  const ny = y.n;
  const out = new Float64Array(rowCount * ny);
  const xv = x.values;
  const yv = y.values;
  let i = 0;
  for (; i + 4 <= rowCount; i += 4) {
    const a0 = (rowStart + i) * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let j = 0; j < ny; j++) {
      const b = j * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < d; t++) {
        const v = yv[b + t];
        s0 += xv[a0 + t] * v;
        s1 += xv[a1 + t] * v;
        s2 += xv[a2 + t] * v;
        s3 += xv[a3 + t] * v;
      }
      out[i * ny + j] = s0;
      out[(i + 1) * ny + j] = s1;
      out[(i + 2) * ny + j] = s2;
      out[(i + 3) * ny + j] = s3;
    }
  }
  for (; i < rowCount; i++) {
    const a = (rowStart + i) * d;
    for (let j = 0; j < ny; j++) {
      const b = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += xv[a + t] * yv[b + t];
      out[i * ny + j] = s;
    }
  }
  return out;
};

/** Rows of dot products are taken in blocks of about this many values (bounds the memory). */
const BLOCK_VALUES = 2_500_000;

function blockRows(y: FeatureSet): number {
  return Math.max(1, Math.floor(BLOCK_VALUES / Math.max(1, y.n)));
}

/** Calls `visit(i, row)` for each row i of x with the dot products of x_i with every row of y. */
function forEachProductRow(x: FeatureSet, y: FeatureSet, products: DotProducts, visit: (i: number, row: Float32Array | Float64Array) => void): void {
  if (x.d !== y.d) throw new RangeError(`Feature sizes differ: ${x.d} and ${y.d}`);
  const rows = blockRows(y);
  for (let start = 0; start < x.n; start += rows) {
    const count = Math.min(rows, x.n - start);
    const block = products(x, start, count, y);
    for (let i = 0; i < count; i++) visit(start + i, block.subarray(i * y.n, (i + 1) * y.n));
  }
}

/** The rows `index` of `set`, as a new feature set. */
function gatherRows(set: FeatureSet, index: Uint32Array): FeatureSet {
  const { d } = set;
  const values = set.values instanceof Float64Array ? new Float64Array(index.length * d) : new Float32Array(index.length * d);
  index.forEach((src, i) => values.set(set.values.subarray(src * d, (src + 1) * d), i * d));
  return { n: index.length, d, values };
}

/** Unbiased MMD² of two equal-size samples with the cubic kernel k(x, y) = (x·y / d + 1)³. */
function mmdUnbiased(x: FeatureSet, y: FeatureSet, products: DotProducts, kxxCached?: number, kyyCached?: number): { mmd: number; kxx: number; kyy: number } {
  const d = x.d;
  const m = x.n;
  const kernelSum = (p: FeatureSet, q: FeatureSet, offDiagonal: boolean) => {
    let sum = 0;
    forEachProductRow(p, q, products, (i, row) => {
      for (let j = 0; j < row.length; j++) if (!offDiagonal || j !== i) sum += (row[j] / d + 1) ** 3;
    });
    return sum;
  };
  const kxx = kxxCached ?? kernelSum(x, x, true);
  const kyy = kyyCached ?? kernelSum(y, y, true);
  const kxy = kernelSum(x, y, false);
  return { mmd: kxx / (m * (m - 1)) + kyy / (m * (m - 1)) - (2 * kxy) / (m * m), kxx, kyy };
}

/**
 * The kernel sums of x's subsets, which are the same at every call with the same seed and sizes
 * (x is the real reference, measured against many generated sets): give one Map per x and reuse it.
 */
export type KidCache = Map<string, number>;

export interface KidResult {
  mean: number;
  std: number;
  subsets: number;
  subsetSize: number;
}

/** KID between two feature sets: unbiased MMD² over `subsets` random subsets of `subsetSize` each. */
export function kernelInceptionDistance(
  x: FeatureSet,
  y: FeatureSet,
  options: { subsets?: number; subsetSize?: number; seed?: number; products?: DotProducts; cache?: KidCache } = {},
): KidResult {
  if (x.d !== y.d) throw new RangeError(`Feature sizes differ: ${x.d} and ${y.d}`);
  const subsetSize = Math.min(options.subsetSize ?? 1000, x.n, y.n);
  if (subsetSize < 2) throw new RangeError('KID needs at least two samples in each set');
  const subsets = options.subsets ?? 10;
  const rng = new Rng(options.seed ?? 0, 77);
  const values: number[] = [];
  // A subset of all of y is y in another order: its kernel sum is the same for every subset.
  let kyyWhole: number | undefined;
  for (let s = 0; s < subsets; s++) {
    const xi = rng.permutation(x.n).subarray(0, subsetSize);
    const yi = rng.permutation(y.n).subarray(0, subsetSize);
    const key = `${options.seed ?? 0}:${subsetSize}:${x.n}:${y.n}:${s}`;
    const result = mmdUnbiased(gatherRows(x, xi), gatherRows(y, yi), options.products ?? float64Products, options.cache?.get(key), kyyWhole);
    options.cache?.set(key, result.kxx);
    if (subsetSize === y.n) kyyWhole = result.kyy;
    values.push(result.mmd);
  }
  const mean = values.reduce((a, b) => a + b, 0) / subsets;
  const std = subsets > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (subsets - 1)) : 0;
  return { mean, std, subsets, subsetSize };
}

/** Squared norms of the rows, float64. */
function squaredNorms(set: FeatureSet): Float64Array {
  const { n, d, values } = set;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += values[i * d + t] * values[i * d + t];
    out[i] = s;
  }
  return out;
}

/** Squared distance of each point to its k-th nearest neighbour in the same set (itself excluded). */
export function kthNeighbourRadii(set: FeatureSet, k: number, products: DotProducts = float64Products): Float64Array {
  if (set.n <= k) throw new RangeError(`k-NN radii need more than k = ${k} samples`);
  const norms = squaredNorms(set);
  const radii = new Float64Array(set.n);
  const best = new Float64Array(k);
  forEachProductRow(set, set, products, (i, row) => {
    best.fill(Infinity);
    const ni = norms[i];
    for (let j = 0; j < set.n; j++) {
      if (j === i) continue;
      const v = Math.max(0, ni + norms[j] - 2 * row[j]);
      if (v >= best[k - 1]) continue;
      let p = k - 1;
      while (p > 0 && best[p - 1] > v) {
        best[p] = best[p - 1];
        p--;
      }
      best[p] = v;
    }
    radii[i] = best[k - 1];
  });
  return radii;
}

/**
 * Precision and recall from one pass over the cross products of generated and real rows: a
 * generated point counts for precision when it lies in some real point's k-NN ball, a real point
 * counts for recall when it lies in some generated point's ball.
 */
function coveredBothWays(generated: FeatureSet, real: FeatureSet, generatedRadii: Float64Array, realRadii: Float64Array, products: DotProducts): { precision: number; recall: number } {
  const gn = squaredNorms(generated);
  const rn = squaredNorms(real);
  const realCovered = new Uint8Array(real.n);
  let precise = 0;
  forEachProductRow(generated, real, products, (i, row) => {
    let inside = false;
    const gi = gn[i];
    const ri = generatedRadii[i];
    for (let j = 0; j < real.n; j++) {
      const dist = Math.max(0, gi + rn[j] - 2 * row[j]);
      if (!inside && dist <= realRadii[j]) inside = true;
      if (dist <= ri) realCovered[j] = 1;
    }
    if (inside) precise++;
  });
  let recalled = 0;
  for (let j = 0; j < real.n; j++) recalled += realCovered[j];
  return { precision: precise / generated.n, recall: recalled / real.n };
}

export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

/** Precision (generated inside the real manifold) and recall (real inside the generated manifold). */
export function precisionRecall(real: FeatureSet, generated: FeatureSet, k = 3, realRadii?: Float64Array, products: DotProducts = float64Products): PrecisionRecall {
  const rr = realRadii ?? kthNeighbourRadii(real, k, products);
  const gr = kthNeighbourRadii(generated, k, products);
  return { ...coveredBothWays(generated, real, gr, rr, products), k };
}

export interface ClassCoverage {
  /** Share of each class among the predictions (sums to 1). */
  histogram: number[];
  /** Entropy of the histogram divided by log(classes): 1 for uniform, 0 for one class. */
  entropy: number;
  minShare: number;
  maxShare: number;
  /** Mean of the largest softmax probability. */
  meanConfidence: number;
}

/** Coverage from softmax probabilities [n, classes], row-major. */
export function classCoverage(probabilities: Float32Array | Float64Array, classes: number): ClassCoverage {
  const n = probabilities.length / classes;
  if (!Number.isInteger(n) || n === 0) throw new RangeError('Coverage needs at least one prediction');
  const counts = new Float64Array(classes);
  let confidence = 0;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + arg]) arg = c;
    counts[arg]++;
    confidence += probabilities[i * classes + arg];
  }
  const histogram = Array.from(counts, (c) => c / n);
  const h = histogram.reduce((sum, p) => (p > 0 ? sum - p * Math.log(p) : sum), 0);
  return {
    histogram,
    entropy: h / Math.log(classes),
    minShare: Math.min(...histogram),
    maxShare: Math.max(...histogram),
    meanConfidence: confidence / n,
  };
}

export interface CollapseThresholds {
  /** Alarm when the normalised class entropy is below this. */
  minEntropy: number;
  /** Alarm when recall is below this. */
  minRecall: number;
  /** Alarm when the entropy fell by more than this from its best. */
  entropyDrop: number;
  /** Alarm when recall fell below this fraction of its best (once the best is at least 0.1). */
  recallDropRatio: number;
}

export const DEFAULT_COLLAPSE_THRESHOLDS: CollapseThresholds = { minEntropy: 0.8, minRecall: 0.05, entropyDrop: 0.15, recallDropRatio: 0.5 };

export interface CollapseCheck {
  alarm: boolean;
  reasons: string[];
}

/** The mode-collapse alarm for the latest evaluation, given the earlier ones of the run. */
export function checkModeCollapse(
  latest: { entropy: number; recall: number },
  earlier: readonly { entropy: number; recall: number }[],
  t: CollapseThresholds = DEFAULT_COLLAPSE_THRESHOLDS,
): CollapseCheck {
  const reasons: string[] = [];
  if (latest.entropy < t.minEntropy) reasons.push(`class coverage ${latest.entropy.toFixed(2)} is below ${t.minEntropy}`);
  if (latest.recall < t.minRecall) reasons.push(`recall ${latest.recall.toFixed(3)} is below ${t.minRecall}`);
  const bestEntropy = Math.max(-Infinity, ...earlier.map((e) => e.entropy));
  const bestRecall = Math.max(-Infinity, ...earlier.map((e) => e.recall));
  if (bestEntropy - latest.entropy > t.entropyDrop) reasons.push(`class coverage fell from ${bestEntropy.toFixed(2)} to ${latest.entropy.toFixed(2)}`);
  if (bestRecall >= 0.1 && latest.recall < t.recallDropRatio * bestRecall) reasons.push(`recall fell from ${bestRecall.toFixed(3)} to ${latest.recall.toFixed(3)}`);
  return { alarm: reasons.length > 0, reasons };
}
