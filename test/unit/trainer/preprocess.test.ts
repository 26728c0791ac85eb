import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizePixel, preprocessImages, resizeBilinearU8 } from '../../../src/trainer/data/preprocess';
import { TrainingSet } from '../../../src/trainer/data/trainingSet';
import { REPO_ROOT } from '../helpers';

interface Golden {
  pil: string;
  cases: { input: number[]; output: number[] }[];
}

describe("the seed's transform", () => {
  // Written by test/fixtures/make_pil_golden.py with PIL, which torchvision's Resize uses.
  const golden = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/pil-resize-golden.json'), 'utf8')) as Golden;

  golden.cases.forEach((c, i) => {
    it(`resizes 28x28 to 32x32 exactly as PIL ${golden.pil} does (case ${i})`, () => {
      const out = resizeBilinearU8(Uint8Array.from(c.input), 28, 28, 32, 32);
      assert.deepEqual(Array.from(out), c.output);
    });
  });

  it('maps pixels to [-1, 1] like ToTensor + Normalize(0.5, 0.5)', () => {
    assert.equal(normalizePixel(0), -1);
    assert.equal(normalizePixel(255), 1);
    assert.ok(Math.abs(normalizePixel(128) - 0.00392156862745098) < 1e-12);
  });

  it('preprocesses a range of images into NHWC floats', () => {
    const c = golden.cases[0];
    const two = Uint8Array.from([...golden.cases[1].input, ...c.input]);
    const out = preprocessImages(two, 28, 32, 1, 1);
    assert.equal(out.length, 1024);
    assert.deepEqual(Array.from(out), c.output.map((v) => Math.fround(normalizePixel(v))));
  });
});

describe('batches', () => {
  const images = new Float32Array(10 * 1024).map((_, i) => Math.floor(i / 1024));
  const set = new TrainingSet(images, 42, 4);

  it('has partial last batches like a DataLoader', () => {
    assert.equal(set.batchesPerEpoch, 3);
    assert.deepEqual([0, 1, 2].map((b) => set.batchLength(b)), [4, 4, 2]);
  });

  /** The image indices of an epoch, read back from the first pixel of each image. */
  const order = (trainingSet: TrainingSet, epoch: number) =>
    [0, 1, 2].flatMap((b) => {
      const batch = trainingSet.batch(epoch, b);
      return Array.from({ length: batch.length / 1024 }, (_, i) => batch[i * 1024]);
    });

  it('visits every image once per epoch, in a seeded order that changes between epochs', () => {
    const e0 = order(set, 0);
    assert.deepEqual([...e0].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(e0, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.notDeepEqual(order(set, 1), e0);
    assert.deepEqual(order(new TrainingSet(images, 42, 4), 0), e0, 'same seed, same order');
    assert.notDeepEqual(order(new TrainingSet(images, 7, 4), 0), e0, 'another seed, another order');
  });
});
