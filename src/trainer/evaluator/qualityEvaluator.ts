/**
 * Measures a generator: evaluator features of N generated images against the cached reference
 * statistics of the real test split. Runs in the trainer's process on its backend; reads no
 * training state and draws no training randomness (its latent set comes from its own stream).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeDirAtomic } from '../../common/atomicFile';
import type { ClassCoverageRecord, QualityRecord } from '../../protocol/qualityFormat';
import type { LocateOptions } from '../data/fashionMnist';
import { classTensor, Dcgan, latentTensor, Mode } from '../model/dcgan';
import { Rng } from '../rng';
import type { Classifier } from './classifier';
import {
  checkModeCollapse,
  classCoverage,
  DotProducts,
  float64Products,
  KidCache,
  featureSet,
  FeatureSet,
  fitGaussian,
  frechetDistance,
  Gaussian,
  kernelInceptionDistance,
  kthNeighbourRadii,
  precisionRecall,
} from './metrics';
import { EvaluatorEntry, evaluatorModelDir } from './registry';
import { loadEvaluatorModel, LoadedEvaluator } from './savedModel';

/** The stream of the evaluation's latent set (the trainer's streams are 1-4, see rng.ts). */
export const EVAL_NOISE_STREAM = 5;
const BATCH = 250;
const PR_K = 3;

export interface ReferenceStats {
  version: string;
  /** SHA-256 of the evaluator model the statistics were computed with. */
  evaluatorHash: string;
  split: 'test';
  gaussian: Gaussian;
  coverage: ClassCoverageRecord;
  /** Real features [count, d] (for KID and precision/recall). */
  features: FeatureSet;
}

export interface Features {
  features: Float32Array;
  probabilities: Float32Array;
  n: number;
}

export type QualityMetrics = Omit<QualityRecord, 'step' | 'epoch' | 'source' | 'checkpoint' | 'time' | 'seconds'>;

/** Features and softmax of images [n, h, w, c] in [-1, 1]. */
export function classifierFeatures(classifier: Classifier, images: Float32Array, batch = BATCH): Features {
  const [h, w, c] = classifier.spec.input;
  const per = h * w * c;
  const n = images.length / per;
  const d = classifier.spec.features;
  const k = classifier.spec.classes;
  const features = new Float32Array(n * d);
  const probabilities = new Float32Array(n * k);
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    tf.tidy(() => {
      const out = classifier.forward(tf.tensor4d(images.subarray(start * per, (start + count) * per), [count, h, w, c]));
      features.set(out.features.dataSync(), start * d);
      probabilities.set(tf.softmax(out.logits).dataSync(), start * k);
    });
  }
  return { features, probabilities, n };
}

/**
 * `DotProducts` as a matrix product on the engine's current TensorFlow.js backend (float32
 * products; the metrics sum them in float64). Tens of times faster than the JavaScript loops.
 */
export const tensorProducts: DotProducts = (x, rowStart, rowCount, y) => {
  const d = x.d;
  const block = x.values.subarray(rowStart * d, (rowStart + rowCount) * d);
  return tf.tidy(() => {
    const a = tf.tensor2d(block instanceof Float32Array ? block : Float32Array.from(block), [rowCount, d]);
    const b = tf.tensor2d(y.values instanceof Float32Array ? y.values : Float32Array.from(y.values), [y.n, d]);
    return tf.matMul(a, b, false, true).dataSync() as Float32Array;
  });
};

const REFERENCE_JSON = 'reference-test.json';
const REFERENCE_FEATURES = 'features-test.f32';

/** Where the reference statistics of one evaluator model are cached: beside the data set cache. */
export function referenceCacheDir(datasetCacheDir: string, loaded: LoadedEvaluator): string {
  return path.join(path.dirname(datasetCacheDir), 'evaluator', `${loaded.metadata.version}-${loaded.hash.slice(0, 12)}`);
}

function readReference(dir: string, loaded: LoadedEvaluator): ReferenceStats | undefined {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dir, REFERENCE_JSON), 'utf8')) as {
      version: string;
      evaluatorHash: string;
      d: number;
      count: number;
      mean: number[];
      cov: number[];
      coverage: ClassCoverageRecord;
    };
    if (json.evaluatorHash !== loaded.hash) return undefined;
    const raw = fs.readFileSync(path.join(dir, REFERENCE_FEATURES));
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
    if (values.length !== json.count * json.d || json.mean.length !== json.d || json.cov.length !== json.d * json.d) return undefined;
    return {
      version: json.version,
      evaluatorHash: json.evaluatorHash,
      split: 'test',
      gaussian: { d: json.d, mean: Float64Array.from(json.mean), cov: Float64Array.from(json.cov) },
      coverage: json.coverage,
      features: featureSet(values, json.d),
    };
  } catch {
    return undefined;
  }
}

function writeReference(dir: string, ref: ReferenceStats): void {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  writeDirAtomic(dir, (temp) => {
    const json = {
      version: ref.version,
      evaluatorHash: ref.evaluatorHash,
      split: ref.split,
      d: ref.gaussian.d,
      count: ref.features.n,
      mean: Array.from(ref.gaussian.mean),
      cov: Array.from(ref.gaussian.cov),
      coverage: ref.coverage,
      createdAt: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(temp, REFERENCE_JSON), JSON.stringify(json));
    const f = ref.features.values as Float32Array;
    fs.writeFileSync(path.join(temp, REFERENCE_FEATURES), new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  });
}

/** Reference statistics of the real test split: from the cache when it matches the model, else computed (and cached). */
export async function referenceStats(
  entry: EvaluatorEntry,
  loaded: LoadedEvaluator,
  locate: LocateOptions,
  log: (line: string) => void,
): Promise<ReferenceStats> {
  const dir = locate.cacheDir ? referenceCacheDir(locate.cacheDir, loaded) : undefined;
  const cached = dir ? readReference(dir, loaded) : undefined;
  if (cached) return cached;
  const started = performance.now();
  const test = await entry.loadSplit('test', locate);
  const f = classifierFeatures(loaded.classifier, test.images);
  const features = featureSet(f.features, loaded.classifier.spec.features);
  const ref: ReferenceStats = {
    version: loaded.metadata.version,
    evaluatorHash: loaded.hash,
    split: 'test',
    gaussian: fitGaussian(features),
    coverage: classCoverage(f.probabilities, loaded.classifier.spec.classes),
    features,
  };
  log(`Evaluator ${loaded.metadata.version}: reference statistics of ${f.n} test images computed in ${((performance.now() - started) / 1000).toFixed(1)} s${dir ? `, cached in ${dir}` : ''}`);
  if (dir) {
    try {
      writeReference(dir, ref);
    } catch (error) {
      log(`  (not cached: ${(error as Error).message})`);
    }
  }
  return ref;
}

/** The fixed latent set of a run's evaluations: `count` vectors from the run's seed. */
/** The classes a conditional G is asked for in an evaluation: 0, 1, ..., classes-1, 0, 1, ... (balanced, no randomness). */
export function evaluationLabels(count: number, classes: number): Uint8Array {
  return Uint8Array.from({ length: count }, (_, i) => i % classes);
}

export function evaluationLatents(seed: number, count: number, latentSize: number): Float32Array {
  return new Rng(seed, EVAL_NOISE_STREAM).fillNormal(new Float32Array(count * latentSize));
}

export class QualityEvaluator {
  private readonly realRadii = new Map<number, { subset: FeatureSet; radii: Float64Array }>();
  /** KID's kernel sums of the reference subsets (the same at every evaluation). */
  private readonly kidCache: KidCache = new Map();
  /** The dot products of the metrics: a matrix product on a GPU backend, else the float64 JavaScript kernel (faster than wasm's matMul). */
  private readonly products: DotProducts = ['webgpu', 'tensorflow', 'tensorflow-gpu', 'webgl'].includes(tf.getBackend()) ? tensorProducts : float64Products;

  constructor(
    readonly entry: EvaluatorEntry,
    readonly loaded: LoadedEvaluator,
    readonly reference: ReferenceStats,
  ) {}

  /** Loads the data set's evaluator and its reference statistics (computing and caching them if needed). */
  static async open(entry: EvaluatorEntry, locate: LocateOptions, log: (line: string) => void, modelDir = evaluatorModelDir(entry.version)): Promise<QualityEvaluator> {
    const loaded = loadEvaluatorModel(modelDir);
    try {
      return new QualityEvaluator(entry, loaded, await referenceStats(entry, loaded, locate, log));
    } catch (error) {
      loaded.classifier.dispose();
      throw error;
    }
  }

  /**
   * Features of G(latents), batch by batch: G in eval mode (running BatchNorm statistics), or in
   * 'train-recompute' (each batch's own statistics, nothing updated) for the averaged generator of a
   * gEma run, as its sample grids render it. A conditional G is asked for `labels` (default:
   * evaluationLabels, every class equally often); a 64x64 G's images are averaged 2x2 down to the
   * classifier's 32x32.
   */
  generatorFeatures(model: Dcgan, latents: Float32Array, mode: Extract<Mode, 'eval' | 'train-recompute'> = 'eval', labels?: ArrayLike<number>): Features {
    const z = model.latentSize;
    const into = this.featureBuffers(latents.length / z);
    const classes = model.classes ? (labels ?? evaluationLabels(into.n, model.classes)) : undefined;
    const inputSize = this.loaded.classifier.spec.input[0];
    for (let start = 0; start < into.n; start += BATCH) {
      const count = Math.min(BATCH, into.n - start);
      tf.tidy(() => {
        const batchClasses = classTensor(model, classes && Array.from({ length: count }, (_, i) => classes[start + i]));
        let images = model.generator.forward(latentTensor(latents.subarray(start * z, (start + count) * z), z), mode, batchClasses);
        if (images.shape[1] !== inputSize) images = tf.avgPool(images, images.shape[1] / inputSize, images.shape[1] / inputSize, 0);
        this.addBatch(into, start, images);
      });
    }
    return into;
  }

  /**
   * Features of images rendered by any generator (an external run's ONNX file): `render` turns
   * `count` latents into images [count, h, w, c] in [-1, 1] of the evaluator's input size, batch by
   * batch; everything after the images is generatorFeatures' path.
   */
  async renderedFeatures(latents: Float32Array, latentSize: number, render: (latents: Float32Array) => Promise<Float32Array>): Promise<Features> {
    const [h, w, c] = this.loaded.classifier.spec.input;
    const per = h * w * c;
    const into = this.featureBuffers(latents.length / latentSize);
    for (let start = 0; start < into.n; start += BATCH) {
      const count = Math.min(BATCH, into.n - start);
      const images = await render(latents.slice(start * latentSize, (start + count) * latentSize));
      if (images.length !== count * per) throw new RangeError(`${count} latents rendered ${images.length} values, not ${count} images of ${h}x${w}x${c}`);
      tf.tidy(() => this.addBatch(into, start, tf.tensor4d(images, [count, h, w, c])));
    }
    return into;
  }

  private featureBuffers(n: number): Features {
    const { features: d, classes: k } = this.loaded.classifier.spec;
    return { features: new Float32Array(n * d), probabilities: new Float32Array(n * k), n };
  }

  /** Runs the classifier on a batch of images (inside the caller's tidy) and stores features and softmax from `start`. */
  private addBatch(into: Features, start: number, images: tf.Tensor4D): void {
    const { features: d, classes: k } = this.loaded.classifier.spec;
    const out = this.loaded.classifier.forward(images);
    into.features.set(out.features.dataSync(), start * d);
    into.probabilities.set(tf.softmax(out.logits).dataSync(), start * k);
  }

  /** The real subset of size n that precision/recall compares with (seeded, the same every time) and its k-NN radii. */
  private realManifold(n: number): { subset: FeatureSet; radii: Float64Array } {
    const real = this.reference.features;
    const size = Math.min(n, real.n);
    let cached = this.realRadii.get(size);
    if (!cached) {
      const order = new Rng(0, 78).permutation(real.n).subarray(0, size);
      const values = new Float32Array(size * real.d);
      order.forEach((src, i) => values.set(real.values.subarray(src * real.d, (src + 1) * real.d), i * real.d));
      const subset = featureSet(values, real.d);
      cached = { subset, radii: kthNeighbourRadii(subset, PR_K, this.products) };
      this.realRadii.set(size, cached);
    }
    return cached;
  }

  /** Every metric of a generated feature set; `earlier` are the run's earlier evaluations (for the alarm). */
  measure(generated: Features, earlier: readonly { entropy: number; recall: number }[]): QualityMetrics {
    const d = this.loaded.classifier.spec.features;
    const fake = featureSet(generated.features, d);
    const fid = frechetDistance(this.reference.gaussian, fitGaussian(fake));
    const kid = kernelInceptionDistance(this.reference.features, fake, { subsets: 10, subsetSize: 1000, products: this.products, cache: this.kidCache });
    const manifold = this.realManifold(generated.n);
    const pr = precisionRecall(manifold.subset, fake, PR_K, manifold.radii, this.products);
    const coverage = classCoverage(generated.probabilities, this.loaded.classifier.spec.classes);
    const check = checkModeCollapse({ entropy: coverage.entropy, recall: pr.recall }, earlier);
    return {
      evaluator: this.loaded.metadata.version,
      samples: generated.n,
      fid,
      kid: kid.mean,
      kidStd: kid.std,
      precision: pr.precision,
      recall: pr.recall,
      coverage,
      alarm: check.alarm,
      alarmReasons: check.reasons,
    };
  }

  dispose(): void {
    this.loaded.classifier.dispose();
  }
}
