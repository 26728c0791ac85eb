/**
 * Evaluators by data set. Each entry says which classifier measures that data set's samples, where
 * its saved model lives (a versioned folder under media/evaluator/), how to load the real images
 * with labels, and how it was trained. Another data set plugs in by adding an entry here (with its
 * own model folder, trained by `npm run train-evaluator -- --dataset NAME`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_CHANNELS, IMAGE_SIZE } from '../../protocol/experimentConfig';
import { CLASS_NAMES, LocateOptions, locateDatasetFile, readImages, readLabels, SOURCE_IMAGE_SIZE, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS } from '../data/fashionMnist';
import { preprocessImages } from '../data/preprocess';
import type { ClassifierSpec } from './classifier';
import { EvaluatorModelError } from './savedModel';
import type { LabelledImages, TrainClassifierOptions } from './trainClassifier';

export type Split = 'train' | 'test';

export interface EvaluatorEntry {
  /** Data set key, e.g. "fashion-mnist". */
  dataset: string;
  /** Versioned model name; also the model's folder name and part of cache keys. */
  version: string;
  /** What the FID is called in the UI (it is not Inception-FID). */
  fidLabel: string;
  classNames: readonly string[];
  spec: ClassifierSpec;
  /** The recipe of `npm run train-evaluator` (trainClassifier's options of the same names). */
  training: Pick<TrainClassifierOptions, 'seed' | 'epochs' | 'batchSize' | 'learningRate' | 'decayAt' | 'schedule' | 'flip'> & {
    /** Warm start from this committed evaluator version (same layers, without BatchNorm). */
    initFrom?: string;
  };
  /** "flip-average": the model's outputs are averaged over each image and its mirror (saved in its metadata). */
  inference?: 'flip-average';
  /** Real images of a split in the trainer's input format, with labels. */
  loadSplit(split: Split, options: LocateOptions): Promise<LabelledImages>;
}

async function loadFashionMnist(split: Split, options: LocateOptions): Promise<LabelledImages> {
  const [imageSpec, labelSpec] = split === 'train' ? [TRAIN_IMAGES, TRAIN_LABELS] : [TEST_IMAGES, TEST_LABELS];
  const imageFile = await locateDatasetFile(imageSpec, options);
  const labelFile = await locateDatasetFile(labelSpec, options);
  const { count, pixels } = readImages(imageFile.file, imageSpec);
  const labels = readLabels(labelFile.file, labelSpec);
  if (labels.length !== count) throw new EvaluatorModelError(`${labelFile.file} has ${labels.length} labels for ${count} images.`, 'Use the official FashionMNIST files.');
  return { images: preprocessImages(pixels, SOURCE_IMAGE_SIZE, IMAGE_SIZE), labels };
}

export const FASHION_MNIST_V1: EvaluatorEntry = {
  dataset: 'fashion-mnist',
  version: 'fmnist-v1',
  fidLabel: 'FID-FMNIST',
  classNames: CLASS_NAMES,
  spec: {
    input: [IMAGE_SIZE, IMAGE_SIZE, IMAGE_CHANNELS],
    convs: [
      { filters: 32, kernel: 3, stride: 1 },
      { filters: 48, kernel: 3, stride: 2 },
      { filters: 64, kernel: 3, stride: 2 },
      { filters: 32, kernel: 3, stride: 2 },
    ],
    features: 128,
    dropout: 0.3,
    classes: CLASS_NAMES.length,
  },
  training: { seed: 7, epochs: 6, batchSize: 128, learningRate: 1e-3, decayAt: [3, 5], flip: true },
  loadSplit: loadFashionMnist,
};

/**
 * fmnist-v2: fmnist-v1's layers with BatchNorm in the convolution blocks (folded into the saved
 * convolutions), warm-started from fmnist-v1's weights (each BatchNorm starting as the identity)
 * and trained further with a cosine learning rate; at inference its outputs are averaged over each
 * image and its left-right mirror (as it was trained with random flips). The default evaluator.
 */
export const FASHION_MNIST_V2: EvaluatorEntry = {
  ...FASHION_MNIST_V1,
  version: 'fmnist-v2',
  spec: { ...FASHION_MNIST_V1.spec, batchNorm: true },
  training: { seed: 8, epochs: 3, batchSize: 128, learningRate: 5e-4, decayAt: [], schedule: 'cosine', flip: true, initFrom: 'fmnist-v1' },
  inference: 'flip-average',
};

const REGISTRY: ReadonlyMap<string, EvaluatorEntry> = new Map([[FASHION_MNIST_V2.dataset, FASHION_MNIST_V2]]);

export const DEFAULT_DATASET = FASHION_MNIST_V2.dataset;

/** Whether sample quality can be measured for runs on `dataset` (an entry of this registry). */
export function hasEvaluator(dataset: string): boolean {
  return REGISTRY.has(dataset);
}

export function evaluatorFor(dataset: string): EvaluatorEntry {
  const entry = REGISTRY.get(dataset);
  if (!entry) {
    throw new EvaluatorModelError(`No evaluator is registered for the data set "${dataset}".`, `Known data sets: ${[...REGISTRY.keys()].join(', ')}; add an entry to src/trainer/evaluator/registry.ts.`);
  }
  return entry;
}

/**
 * The model folder of `version`: media/evaluator/<version>/ in the package, found from the bundle
 * (dist/) or from the sources (src/trainer/evaluator/). `root` overrides the search (tests).
 */
export function evaluatorModelDir(version: string, root?: string): string {
  const candidates = root ? [root] : [path.resolve(__dirname, '..'), path.resolve(__dirname, '../../..'), process.cwd()];
  for (const base of candidates) {
    const dir = path.join(base, 'media', 'evaluator', version);
    if (fs.existsSync(path.join(dir, 'model.json'))) return dir;
  }
  throw new EvaluatorModelError(`The evaluator model ${version} is missing (looked under ${candidates.map((c) => path.join(c, 'media', 'evaluator')).join(', ')}).`, 'Reinstall GAN Studio, or run `npm run train-evaluator` in its repository.');
}
