/** A small evaluator for tests: a randomly initialised classifier and reference statistics from the image fixture. */
import { Classifier, ClassifierSpec } from '../../../src/trainer/evaluator/classifier';
import { QualityEvaluator, referenceStats } from '../../../src/trainer/evaluator/qualityEvaluator';
import { EvaluatorEntry, FASHION_MNIST_V1 } from '../../../src/trainer/evaluator/registry';
import { Rng } from '../../../src/trainer/rng';

export const TINY_SPEC: ClassifierSpec = {
  input: [32, 32, 1],
  convs: [
    { filters: 4, kernel: 3, stride: 2 },
    { filters: 8, kernel: 3, stride: 4 },
  ],
  features: 8,
  dropout: 0,
  classes: 10,
};

/** A registry entry whose "test split" is `images` (n x 32 x 32 in [-1, 1]) with labels i mod 10. */
export function fakeEntry(images: Float32Array): EvaluatorEntry {
  const n = images.length / (32 * 32);
  return {
    ...FASHION_MNIST_V1,
    version: 'test-v0',
    spec: TINY_SPEC,
    loadSplit: async () => ({ images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10) }),
  };
}

export async function openFakeEvaluator(images: Float32Array, cacheDir?: string, log: (line: string) => void = () => undefined): Promise<QualityEvaluator> {
  const entry = fakeEntry(images);
  const classifier = new Classifier(TINY_SPEC, new Rng(5));
  const loaded = { classifier, metadata: { version: entry.version, dataset: 'fashion-mnist', classNames: [...entry.classNames], inputRange: [-1, 1] as [number, number], featureLayer: 'features', testAccuracy: 0, training: {} }, hash: 'f'.repeat(64) };
  return new QualityEvaluator(entry, loaded, await referenceStats(entry, loaded, { dataDirs: [], cacheDir }, log));
}
