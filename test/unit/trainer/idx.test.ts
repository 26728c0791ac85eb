import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { DataFileError, encodeIdx, gunzipIdx, parseIdx } from '../../../src/trainer/data/idx';
import { DatasetNotFoundError, locateDatasetFile, readImages, TRAIN_IMAGES } from '../../../src/trainer/data/fashionMnist';
import { syntheticImages, tempDir, writeImagesFixture } from '../helpers';

describe('IDX files', () => {
  const images = syntheticImages(3);
  const idx = encodeIdx([3, 28, 28], images);

  it('parses dimensions and data', () => {
    const parsed = parseIdx('x.idx', idx, [null, 28, 28]);
    assert.deepEqual(parsed.dims, [3, 28, 28]);
    assert.deepEqual(Array.from(parsed.data.subarray(0, 784)), Array.from(images.subarray(0, 784)));
  });

  const damaged: [string, Buffer, RegExp][] = [
    ['a wrong magic number', Buffer.concat([Buffer.from([1, 0, 8, 3]), idx.subarray(4)]), /magic number/],
    ['a labels file (rank 1)', encodeIdx([3], new Uint8Array(3)), /1 dimensions, expected 3 \(magic 2049, expected 2051\)/],
    ['a wrong image size', encodeIdx([1, 27, 28], new Uint8Array(27 * 28)), /dimension 1 is 27, expected 28/],
    ['truncated data', idx.subarray(0, idx.length - 10), /truncated: 2342 of 2352 data bytes/],
    ['trailing bytes', Buffer.concat([idx, Buffer.alloc(5)]), /5 unexpected bytes/],
    ['a truncated header', idx.subarray(0, 10), /truncated inside its header/],
  ];
  for (const [what, buffer, message] of damaged) {
    it(`rejects ${what} with an error naming the file and a fix`, () => {
      assert.throws(
        () => parseIdx('/data/train-images-idx3-ubyte', buffer, [null, 28, 28]),
        (e: unknown) => e instanceof DataFileError && e.message.startsWith('/data/train-images-idx3-ubyte: ') && message.test(e.message) && /fresh copy/.test(e.hint),
      );
    });
  }

  it('reports a truncated gzip file', () => {
    const gz = zlib.gzipSync(idx);
    assert.throws(() => gunzipIdx('f.gz', gz.subarray(0, gz.length - 20)), /f\.gz: is truncated/);
  });

  it('reports a file that is not gzip', () => {
    assert.throws(() => gunzipIdx('f.gz', idx), /f\.gz: is not a gzip file/);
  });

  it('reports corrupt gzip data', () => {
    const gz = Buffer.from(zlib.gzipSync(idx));
    gz.fill(0x55, 20, 60);
    assert.throws(() => gunzipIdx('f.gz', gz), /f\.gz: is corrupt/);
  });

  it('rejects a file with the official size but other content (checksum)', () => {
    const dir = tempDir();
    const file = writeImagesFixture(dir, TRAIN_IMAGES.count, new Uint8Array(TRAIN_IMAGES.count * 784));
    assert.throws(() => readImages(file), /has the size of the official train-images-idx3-ubyte.gz but not its content/);
  });
});

describe('locating the data set', () => {
  it('prefers the configured folder, then the cache, then the system folder', async () => {
    const [configured, cache, system] = [tempDir(), tempDir(), tempDir()];
    writeImagesFixture(system, 2);
    const options = { dataDirs: [configured], cacheDir: cache, systemDir: system, offline: true };
    assert.equal((await locateDatasetFile(TRAIN_IMAGES, options)).source, 'debian');
    writeImagesFixture(cache, 2);
    assert.equal((await locateDatasetFile(TRAIN_IMAGES, options)).source, 'cache');
    writeImagesFixture(configured, 2);
    const found = await locateDatasetFile(TRAIN_IMAGES, options);
    assert.deepEqual(found, { file: path.join(configured, TRAIN_IMAGES.name), source: 'configured' });
  });

  it('says where it looked and what to do when offline and missing', async () => {
    const dir = tempDir();
    await assert.rejects(
      locateDatasetFile(TRAIN_IMAGES, { dataDirs: [dir], cacheDir: dir, systemDir: dir, offline: true }),
      (e: unknown) => e instanceof DatasetNotFoundError && e.message.includes(dir) && /dataset-fashion-mnist/.test(e.hint),
    );
  });

  it('reads images from a valid small file', () => {
    const dir = tempDir();
    const { count, pixels } = readImages(writeImagesFixture(dir, 5));
    assert.equal(count, 5);
    assert.equal(pixels.length, 5 * 784);
    assert.ok(fs.existsSync(dir));
  });
});
