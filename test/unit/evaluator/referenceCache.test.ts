/** Reference statistics are cached per evaluator model: its version and the SHA-256 of its files. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { selectBackend } from '../../../src/trainer/backend/select';
import { Classifier } from '../../../src/trainer/evaluator/classifier';
import { referenceCacheDir, referenceStats } from '../../../src/trainer/evaluator/qualityEvaluator';
import { preprocessImages } from '../../../src/trainer/data/preprocess';
import { Rng } from '../../../src/trainer/rng';
import { syntheticImages, tempDir } from '../helpers';
import { fakeEntry, TINY_SPEC } from './fakeEvaluator';

describe('reference statistics cache', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('is keyed by version and model hash, reused for the same model and recomputed for another', async () => {
    const real = preprocessImages(syntheticImages(30), 28, 32);
    const entry = fakeEntry(real);
    const datasetCache = path.join(tempDir(), 'fashion-mnist');
    const locate = { dataDirs: [], cacheDir: datasetCache };
    const model = (hash: string, seed: number) => ({
      classifier: new Classifier(TINY_SPEC, new Rng(seed)),
      metadata: { version: 'test-v0', dataset: 'fashion-mnist', classNames: [...entry.classNames], inputRange: [-1, 1] as [number, number], featureLayer: 'features', testAccuracy: 0, training: {} },
      hash,
    });
    const a = model('a'.repeat(64), 1);
    const b = model('b'.repeat(64), 2);
    assert.equal(referenceCacheDir(datasetCache, a), path.join(path.dirname(datasetCache), 'evaluator', `test-v0-${'a'.repeat(12)}`));
    assert.notEqual(referenceCacheDir(datasetCache, a), referenceCacheDir(datasetCache, b));
    const logs: string[] = [];
    const first = await referenceStats(entry, a, locate, (l) => logs.push(l));
    assert.equal(logs.length, 1, 'computed once');
    const again = await referenceStats(entry, a, locate, (l) => logs.push(l));
    assert.equal(logs.length, 1, 'then read from the cache');
    assert.deepEqual(Array.from(again.gaussian.mean), Array.from(first.gaussian.mean));
    const other = await referenceStats(entry, b, locate, (l) => logs.push(l));
    assert.equal(logs.length, 2, 'another model computes its own');
    assert.notDeepEqual(Array.from(other.gaussian.mean), Array.from(first.gaussian.mean));
    // A cache file whose recorded hash is not the model's (a model replaced in place) is not used.
    const dirA = referenceCacheDir(datasetCache, a);
    const json = JSON.parse(fs.readFileSync(path.join(dirA, 'reference-test.json'), 'utf8')) as { evaluatorHash: string };
    fs.writeFileSync(path.join(dirA, 'reference-test.json'), JSON.stringify({ ...json, evaluatorHash: 'c'.repeat(64) }));
    await referenceStats(entry, a, locate, (l) => logs.push(l));
    assert.equal(logs.length, 3, 'recomputed');
    a.classifier.dispose();
    b.classifier.dispose();
  });
});
