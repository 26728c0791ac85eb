/**
 * Figures of the FashionMNIST evaluator (a benchmark, not a test; see docs/evaluator.md):
 *
 * 1. Test-split accuracy of the committed model (recorded; recomputed with --accuracy).
 * 2. FID-FMNIST of real train images (5,000 drawn with a fixed seed) against the real test split,
 *    against uniform noise images, and against one image repeated; KID and precision/recall too.
 * 3. Seconds to compute features for 5,000 images and the metrics against the reference.
 *
 *   npm run bench:evaluator [-- --data DIR] [--accuracy]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/trainer/backend/select';
import { defaultCacheDir } from '../src/trainer/cli';
import { classifierFeatures, QualityEvaluator } from '../src/trainer/evaluator/qualityEvaluator';
import { DEFAULT_DATASET, evaluatorFor } from '../src/trainer/evaluator/registry';
import { accuracy } from '../src/trainer/evaluator/trainClassifier';
import { Rng } from '../src/trainer/rng';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, accuracy: { type: 'boolean' } } });
  const backend = await selectBackend('auto');
  console.log(`Backend: ${backend.name} (${backend.detail})`);
  const locate = { dataDirs: values.data ? [path.resolve(values.data)] : [], cacheDir: defaultCacheDir() };
  let t = performance.now();
  const entry = evaluatorFor(DEFAULT_DATASET);
  const evaluator = await QualityEvaluator.open(entry, locate, (l) => console.log(l));
  console.log(`Evaluator ${evaluator.loaded.metadata.version} (SHA-256 ${evaluator.loaded.hash.slice(0, 12)})`);
  console.log(`Evaluator and reference statistics ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const test = await entry.loadSplit('test', locate);
  const train = await entry.loadSplit('train', locate);
  console.log(`Test accuracy recorded by train-evaluator: ${(100 * evaluator.loaded.metadata.testAccuracy).toFixed(2)} %`);
  if (values.accuracy) {
    t = performance.now();
    console.log(`Test accuracy now: ${(100 * accuracy(evaluator.loaded.classifier, test)).toFixed(2)} % (${((performance.now() - t) / 1000).toFixed(1)} s for 10,000 images)`);
  }

  const per = 32 * 32;
  const pick = (n: number) => {
    const order = new Rng(1, 9).permutation(train.labels.length).subarray(0, n);
    const out = new Float32Array(n * per);
    order.forEach((src, i) => out.set(train.images.subarray(src * per, (src + 1) * per), i * per));
    return out;
  };
  const noise = (n: number) => new Rng(2, 9).fillUniform(new Float32Array(n * per), -1, 1);
  const repeated = (n: number) => {
    const out = new Float32Array(n * per);
    for (let i = 0; i < n; i++) out.set(train.images.subarray(0, per), i * per);
    return out;
  };
  const measure = (label: string, images: Float32Array) => {
    const start = performance.now();
    const f = classifierFeatures(evaluator.loaded.classifier, images);
    const featured = performance.now();
    const m = evaluator.measure(f, []);
    const seconds = (performance.now() - start) / 1000;
    const split = `features ${((featured - start) / 1000).toFixed(1)} s + metrics ${((performance.now() - featured) / 1000).toFixed(1)} s`;
    console.log(
      `${label.padEnd(34)} FID-FMNIST ${m.fid.toFixed(3).padStart(9)}  KID ${m.kid.toFixed(5)} ± ${m.kidStd.toFixed(5)}  precision ${m.precision.toFixed(3)}  recall ${m.recall.toFixed(3)}  coverage ${m.coverage.entropy.toFixed(3)}  (${f.n} images, ${seconds.toFixed(1)} s: ${split})`,
    );
  };
  measure('real train (5,000) vs real test', pick(5000));
  measure('uniform noise (5,000) vs real test', noise(5000));
  measure('one image repeated (5,000)', repeated(5000));
  evaluator.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
