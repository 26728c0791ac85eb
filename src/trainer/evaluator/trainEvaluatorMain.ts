/**
 * `npm run train-evaluator [-- --dataset NAME] [--data DIR] [--backend NAME] [--out DIR] [--epochs N] [--max-batches N] [--finalize]`:
 * trains the evaluator of a data set with its registered recipe and writes media/evaluator/<version>/.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendChoice } from '../../protocol/experimentConfig';
import { selectBackend } from '../backend/select';
import { defaultCacheDir } from '../cli';
import { DEFAULT_DATASET, EvaluatorEntry, evaluatorFor, evaluatorModelDir } from './registry';
import { loadEvaluatorModel, writeEvaluatorModel } from './savedModel';
import { accuracy, LabelledImages, saveTrainedEvaluator, trainClassifier } from './trainClassifier';

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      dataset: { type: 'string' },
      data: { type: 'string' },
      backend: { type: 'string' },
      out: { type: 'string' },
      epochs: { type: 'string' },
      'max-batches': { type: 'string' },
      finalize: { type: 'boolean' },
    },
  });
  const entry = evaluatorFor(v.dataset ?? DEFAULT_DATASET);
  const backend = await selectBackend((v.backend ?? 'auto') as BackendChoice);
  console.log(`Backend: ${backend.name} (${backend.detail})`);
  const locate = { dataDirs: v.data ? [path.resolve(v.data)] : [], cacheDir: defaultCacheDir() };
  const train = await entry.loadSplit('train', locate);
  const test = await entry.loadSplit('test', locate);
  const recipe = { ...entry.training, ...(v.epochs ? { epochs: Number(v.epochs) } : {}) };
  console.log(`Training ${entry.version} on ${train.labels.length} images: ${JSON.stringify(recipe)}`);
  const out = path.resolve(v.out ?? path.join('media', 'evaluator', entry.version));
  if (v.finalize) {
    finalize(out, entry.inference, test);
    return;
  }
  const base = { version: entry.version, dataset: entry.dataset, classNames: [...entry.classNames], inputRange: [-1, 1] as [number, number] };
  const started = Date.now();
  const accuracies: number[] = [];
  const init = recipe.initFrom ? loadEvaluatorModel(evaluatorModelDir(recipe.initFrom)) : undefined;
  if (init) console.log(`Warm start from ${recipe.initFrom} (${(100 * init.metadata.testAccuracy).toFixed(2)} % recorded)`);
  const result = trainClassifier(train, test, {
    spec: entry.spec,
    init: init?.classifier,
    ...recipe,
    maxBatchesPerEpoch: v['max-batches'] ? Number(v['max-batches']) : undefined,
    log: (line) => console.log(line),
    // The model after every epoch is written, so an interrupted run leaves its latest epoch (its
    // metadata says how many epochs of the recipe it completed).
    onEpoch: (epoch, model, acc) => {
      accuracies.push(acc);
      const seconds = Math.round((Date.now() - started) / 1000);
      const training = { ...recipe, completedEpochs: epoch + 1, backend: backend.name, parameters: model.parameterCount(), epochTestAccuracies: [...accuracies], seconds };
      saveTrainedEvaluator(out, { classifier: model, testAccuracy: acc, epochAccuracies: accuracies, seconds }, { ...base, training });
      console.log(`wrote ${out} (epoch ${epoch + 1})`);
    },
  });
  console.log(`Test accuracy ${(100 * result.testAccuracy).toFixed(2)} % after ${result.seconds.toFixed(0)} s; wrote ${out}`);
  result.classifier.dispose();
  finalize(out, entry.inference, test);
}

/**
 * Records the recipe's inference mode in the written model and its test accuracy in that mode
 * (`--finalize` does only this, on a model already written, e.g. by an earlier version of this script).
 */
function finalize(out: string, inference: EvaluatorEntry['inference'], test: LabelledImages): void {
  if (!inference) return;
  const loaded = loadEvaluatorModel(out);
  const single = loaded.metadata.training.singlePassTestAccuracy ?? loaded.metadata.testAccuracy;
  loaded.classifier.flipAverage = true;
  const acc = accuracy(loaded.classifier, test);
  loaded.classifier.flipAverage = false;
  writeEvaluatorModel(out, loaded.classifier, { ...loaded.metadata, inference, testAccuracy: acc, training: { ...loaded.metadata.training, singlePassTestAccuracy: single } });
  loaded.classifier.dispose();
  console.log(`Inference "${inference}": test accuracy ${(100 * acc).toFixed(2)} % (one pass: ${(100 * Number(single)).toFixed(2)} %); wrote ${out}`);
}

main().catch((error: unknown) => {
  const e = error as Error & { hint?: string };
  console.error(`train-evaluator: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
  process.exitCode = 1;
});
