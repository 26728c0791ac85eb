/**
 * The evaluator on disk: a TensorFlow.js Layers model folder (`model.json`, one float32 weights
 * shard) with GAN Studio's metadata in `userDefinedMetadata.ganStudio`. Its SHA-256 (over both
 * files) identifies the exact weights, so cached reference statistics follow the model.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic } from '../../common/atomicFile';
import { Classifier, classifierTopology, specFromTopology } from './classifier';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export interface EvaluatorMetadata {
  /** Versioned name, e.g. "fmnist-v1". */
  version: string;
  dataset: string;
  classNames: string[];
  inputRange: [number, number];
  featureLayer: string;
  /** Test-split accuracy measured after training (with `inference`), in [0, 1]. */
  testAccuracy: number;
  /** "flip-average": features and class probabilities are the mean over the image and its left-right mirror. Absent: one pass. */
  inference?: 'flip-average';
  training: Record<string, unknown>;
}

export class EvaluatorModelError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'EvaluatorModelError';
  }
}

export function writeEvaluatorModel(dir: string, classifier: Classifier, metadata: EvaluatorMetadata): void {
  const names = classifier.weightNames();
  const values = classifier.read();
  const total = values.reduce((sum, v) => sum + v.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const v of values) {
    data.set(v, offset);
    offset += v.length;
  }
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'GAN Studio train-evaluator',
    convertedBy: null,
    modelTopology: classifierTopology(classifier.spec, metadata.version),
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: names.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { ganStudio: metadata },
  };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  writeDirAtomic(dir, (temp) => {
    fs.writeFileSync(path.join(temp, MODEL_FILE), `${JSON.stringify(modelJson, null, 1)}\n`);
    fs.writeFileSync(path.join(temp, WEIGHTS_FILE), new Uint8Array(data.buffer));
  });
}

export interface LoadedEvaluator {
  classifier: Classifier;
  metadata: EvaluatorMetadata;
  /** SHA-256 of model.json and the weights, hex. */
  hash: string;
}

/** Loads a saved evaluator into a new Classifier on the current backend. */
export function loadEvaluatorModel(dir: string): LoadedEvaluator {
  const fix = 'Reinstall GAN Studio, or run `npm run train-evaluator` in its repository to rebuild the evaluator.';
  let jsonText: string;
  let weights: Buffer;
  try {
    jsonText = fs.readFileSync(path.join(dir, MODEL_FILE), 'utf8');
    weights = fs.readFileSync(path.join(dir, WEIGHTS_FILE));
  } catch (error) {
    throw new EvaluatorModelError(`The evaluator model in ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, fix);
  }
  const hash = crypto.createHash('sha256').update(jsonText).update(weights).digest('hex');
  let json: { modelTopology?: unknown; weightsManifest?: { weights: { name: string; shape: number[] }[] }[]; userDefinedMetadata?: { ganStudio?: EvaluatorMetadata } };
  try {
    json = JSON.parse(jsonText) as typeof json;
  } catch (error) {
    throw new EvaluatorModelError(`${path.join(dir, MODEL_FILE)} is not valid JSON (${(error as Error).message}).`, fix);
  }
  const metadata = json.userDefinedMetadata?.ganStudio;
  if (!metadata) throw new EvaluatorModelError(`${path.join(dir, MODEL_FILE)} has no GAN Studio metadata.`, fix);
  let classifier: Classifier;
  try {
    classifier = new Classifier(specFromTopology(json.modelTopology));
  } catch (error) {
    throw new EvaluatorModelError(`${path.join(dir, MODEL_FILE)}: ${(error as Error).message}.`, fix);
  }
  const expected = classifier.weightNames();
  const manifest = json.weightsManifest?.[0]?.weights ?? [];
  const mismatch = expected.findIndex((w, i) => manifest[i]?.name !== w.name || manifest[i]?.shape.join('x') !== w.shape.join('x'));
  const total = expected.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  if (mismatch >= 0 || manifest.length !== expected.length || weights.length !== total * 4) {
    classifier.dispose();
    throw new EvaluatorModelError(`The evaluator weights in ${dir} do not match its topology.`, fix);
  }
  const all = new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length));
  let offset = 0;
  classifier.assign(
    expected.map((w) => {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const part = all.subarray(offset, offset + n);
      offset += n;
      return part;
    }),
  );
  classifier.flipAverage = metadata.inference === 'flip-average';
  return { classifier, metadata, hash };
}
