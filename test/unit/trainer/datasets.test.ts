/**
 * The data sets besides FashionMNIST, on small files the tests write in the official formats:
 * MNIST/KMNIST IDX .gz files, a CIFAR-10 binary archive (tar.gz of fixed-length records) and a
 * folder of PNG/JPEG/WebP images made with sharp (with a corrupt and a tiny one). No network.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import * as tar from 'tar';
import { ExperimentConfig, imageChannels, presetConfig, resolveConfig } from '../../../src/protocol/experimentConfig';
import { CIFAR10_RECORD, readCifar10 } from '../../../src/trainer/data/cifar10';
import { IDX_DATASETS } from '../../../src/trainer/data/datasets';
import { locateDatasetFile } from '../../../src/trainer/data/fashionMnist';
import { encodeIdx } from '../../../src/trainer/data/idx';
import { ImageFolderError, loadImageFolder } from '../../../src/trainer/data/imageFolder';
import { loadTrainingSet } from '../../../src/trainer/data/loadTrainingSet';
import { normalizePixel } from '../../../src/trainer/data/preprocess';
import { syntheticImages, tempDir, writeImagesFixture } from '../helpers';

function config(overrides: Partial<ExperimentConfig>): ExperimentConfig {
  return { ...presetConfig('smoke'), trainSubset: null, batchSize: 4, ...overrides };
}

/** `count` CIFAR-10 records: label n % 10, red plane n, green plane 255 - n, blue plane 7 * n % 256. */
function cifarRecords(count: number, first = 0): Buffer {
  const out = Buffer.alloc(count * CIFAR10_RECORD);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    const r = i * CIFAR10_RECORD;
    out[r] = n % 10;
    out.fill(n % 256, r + 1, r + 1 + 1024);
    out.fill(255 - (n % 256), r + 1 + 1024, r + 1 + 2048);
    out.fill((7 * n) % 256, r + 1 + 2048, r + 1 + 3072);
  }
  return out;
}

/** Writes cifar-10-binary.tar.gz (cifar-10-batches-bin/data_batch_1..2.bin, and a test batch) into `dir`. */
async function writeCifarArchive(dir: string, batches: Buffer[]): Promise<string> {
  const src = tempDir();
  fs.mkdirSync(path.join(src, 'cifar-10-batches-bin'));
  batches.forEach((b, i) => fs.writeFileSync(path.join(src, 'cifar-10-batches-bin', `data_batch_${i + 1}.bin`), b));
  fs.writeFileSync(path.join(src, 'cifar-10-batches-bin', 'test_batch.bin'), cifarRecords(2, 100));
  fs.writeFileSync(path.join(src, 'cifar-10-batches-bin', 'batches.meta.txt'), 'airplane\nautomobile\n');
  const file = path.join(dir, 'cifar-10-binary.tar.gz');
  await tar.c({ gzip: true, file, cwd: src }, ['cifar-10-batches-bin']);
  return file;
}

describe('data sets: mnist and kmnist (IDX)', () => {
  it('loads MNIST from "datasetPath", 28x28 grey to 32x32, and repeats grey into RGB with channels 3', async () => {
    const dir = tempDir();
    writeImagesFixture(dir, 6);
    const grey = await loadTrainingSet(config({ dataset: 'mnist', datasetPath: dir }), { dataDirs: [], offline: true });
    assert.equal(grey.set.size, 6);
    assert.equal(grey.channels, 1);
    assert.equal(grey.source.source, 'configured');
    const rgb = await loadTrainingSet(config({ dataset: 'kmnist', datasetPath: dir, channels: 3 }), { dataDirs: [], offline: true });
    assert.equal(rgb.channels, 3);
    assert.equal(rgb.set.images.length, 6 * 32 * 32 * 3);
    for (let i = 0; i < 32 * 32; i++) {
      assert.equal(rgb.set.images[i * 3], grey.set.images[i]);
      assert.equal(rgb.set.images[i * 3 + 2], grey.set.images[i]);
    }
  });

  it('never takes FashionMNIST\'s folder for MNIST (same file names): each has its own setting and cache folder', async () => {
    const fashion = tempDir();
    writeImagesFixture(fashion, 5);
    const mnistDir = tempDir();
    writeImagesFixture(mnistDir, 7);
    const cache = tempDir();
    const loaded = await loadTrainingSet(config({ dataset: 'mnist' }), { dataDirs: [fashion], datasetDirs: { mnist: mnistDir }, cacheDir: cache, offline: true });
    assert.equal(loaded.set.size, 7);
    fs.mkdirSync(path.join(cache, 'kmnist'));
    writeImagesFixture(path.join(cache, 'kmnist'), 9);
    const cached = await loadTrainingSet(config({ dataset: 'kmnist' }), { dataDirs: [fashion], cacheDir: cache, offline: true });
    assert.deepEqual([cached.set.size, cached.source.source], [9, 'cache']);
    await assert.rejects(
      loadTrainingSet(config({ dataset: 'kmnist' }), { dataDirs: [fashion], cacheDir: tempDir(), offline: true }),
      (e: Error & { hint?: string }) => /Kuzushiji-MNIST file train-images-idx3-ubyte.gz was not found/.test(e.message) && /"datasetPath"/.test(e.hint ?? ''),
    );
  });

  it('checks the MD5 of a download from the official location and says so when it does not match', async () => {
    const body = zlib.gzipSync(encodeIdx([3, 28, 28], syntheticImages(3)));
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-length': body.length }).end(body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const cache = tempDir();
    try {
      await assert.rejects(
        locateDatasetFile(IDX_DATASETS.mnist.trainImages, { dataDirs: [], cacheDir: cache, systemDir: tempDir(), baseUrl, title: 'MNIST' }),
        /download of http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz is damaged \(md5 [0-9a-f]{32}, expected f68b3c2dcbeaaa9fbdd348bbdeb94873\)/,
      );
      assert.deepEqual(fs.readdirSync(cache), [], 'nothing is left in the cache');
      const md5 = crypto.createHash('md5').update(body).digest('hex');
      const found = await locateDatasetFile({ ...IDX_DATASETS.kmnist.trainImages, gzipMd5: md5 }, { dataDirs: [], cacheDir: cache, systemDir: tempDir(), baseUrl });
      assert.equal(found.source, 'download');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('data sets: cifar10 (binary version)', () => {
  it('reads the training batches of the tar.gz (not the test batch), RGB planes to interleaved pixels in [-1, 1]', async () => {
    const dir = tempDir();
    const file = await writeCifarArchive(dir, [cifarRecords(3), cifarRecords(2, 3)]);
    const raw = await readCifar10(file);
    assert.equal(raw.count, 5);
    assert.deepEqual(Array.from(raw.labels), [0, 1, 2, 3, 4]);
    assert.deepEqual(Array.from(raw.pixels.subarray(4 * 3072, 4 * 3072 + 3)), [4, 251, 28]);
    const loaded = await loadTrainingSet(config({ dataset: 'cifar10', datasetPath: dir }), { dataDirs: [], offline: true });
    assert.equal(loaded.channels, 3);
    assert.equal(imageChannels({ dataset: 'cifar10', channels: null }), 3);
    assert.equal(loaded.set.size, 5);
    const first = loaded.set.images.subarray(3 * 3072, 3 * 3072 + 3);
    assert.deepEqual(Array.from(first), [normalizePixel(3), normalizePixel(252), normalizePixel(21)].map(Math.fround));
    const grey = await loadTrainingSet(config({ dataset: 'cifar10', datasetPath: dir, channels: 1 }), { dataDirs: [], offline: true });
    // PIL's convert("L"): (3 * 299 + 252 * 587 + 21 * 114) / 1000, rounded down.
    assert.equal(grey.set.images[3 * 1024], Math.fround(normalizePixel(Math.floor((3 * 299 + 252 * 587 + 21 * 114) / 1000))));
  });

  it('names the archive and the problem when a batch is cut short or the file is not an archive', async () => {
    const dir = tempDir();
    const file = await writeCifarArchive(dir, [cifarRecords(2).subarray(0, CIFAR10_RECORD + 100)]);
    await assert.rejects(readCifar10(file), /data_batch_1\.bin has 3173 bytes, not whole records of 3073/);
    const junk = path.join(tempDir(), 'cifar-10-binary.tar.gz');
    fs.writeFileSync(junk, 'not an archive at all');
    await assert.rejects(readCifar10(junk), (e: Error) => e.message.startsWith(junk) && /training batches|not a readable/.test(e.message));
  });
});

describe('data sets: a folder of images', () => {
  async function writeFolder(dir: string): Promise<void> {
    const colour = (w: number, h: number, rgb: [number, number, number]) => sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
    fs.mkdirSync(path.join(dir, 'sub'));
    await colour(64, 48, [255, 0, 0]).png().toFile(path.join(dir, 'a-red.png'));
    await colour(40, 80, [0, 255, 0]).jpeg({ quality: 95 }).toFile(path.join(dir, 'b-green.jpg'));
    await colour(100, 100, [0, 0, 255]).webp({ lossless: true }).toFile(path.join(dir, 'sub', 'c-blue.webp'));
    await colour(4, 4, [9, 9, 9]).png().toFile(path.join(dir, 'd-tiny.png'));
    fs.writeFileSync(path.join(dir, 'e-corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(40, 7)]));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  }

  it('decodes PNG, JPEG and WebP of any size to RGB at the model size, skips the corrupt and the tiny ones by name, and detects colour', async () => {
    const dir = tempDir();
    await writeFolder(dir);
    const cache = tempDir();
    const logs: string[] = [];
    const loaded = await loadTrainingSet(config({ dataset: 'folder', datasetPath: dir }), { dataDirs: [], cacheDir: cache, offline: true });
    logs.push(...loaded.notes);
    assert.equal(loaded.set.size, 3);
    assert.equal(loaded.channels, 3);
    const pixel = (n: number) => Array.from(loaded.set.images.subarray(n * 3072 + 3 * 500, n * 3072 + 3 * 500 + 3)).map((v) => Math.round(v));
    assert.deepEqual([pixel(0), pixel(1), pixel(2)], [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], 'red, green, blue in sorted order (a, b, sub/c)');
    const skipped = logs.find((l) => l.startsWith('Skipped'));
    assert.match(skipped ?? '', /Skipped 2 of 5 files: d-tiny\.png: 4x4 pixels, below 16; e-corrupt\.png: (not a readable image|unreadable)/);
    assert.match(logs.join('\n'), /Channels: 3 \(colour images/);
  });

  it('reads an unchanged folder from the decode cache, and decodes again when a file changes', async () => {
    const dir = tempDir();
    await writeFolder(dir);
    const cache = tempDir();
    const first = await loadImageFolder(dir, 32, { cacheDir: cache });
    const second = await loadImageFolder(dir, 32, { cacheDir: cache });
    assert.deepEqual([first.cache?.hit, second.cache?.hit], [false, true]);
    assert.deepEqual(second.pixels, first.pixels);
    assert.deepEqual(second.skipped, first.skipped);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toFile(path.join(dir, 'f-grey.png'));
    const third = await loadImageFolder(dir, 32, { cacheDir: cache });
    assert.deepEqual([third.cache?.hit, third.count], [false, 4]);
  });

  it('trains grey folders in one channel, or in the channels asked for', async () => {
    const dir = tempDir();
    for (const [i, v] of [30, 90, 200].entries()) await sharp({ create: { width: 50, height: 30, channels: 3, background: { r: v, g: v, b: v } } }).png().toFile(path.join(dir, `${i}.png`));
    const detected = await loadTrainingSet(config({ dataset: 'folder', datasetPath: dir }), { dataDirs: [], offline: true });
    assert.equal(detected.channels, 1);
    const rgb = await loadTrainingSet(config({ dataset: 'folder', datasetPath: dir, channels: 3 }), { dataDirs: [], offline: true });
    assert.equal(rgb.channels, 3);
  });

  it('fails with the folder and the fix when no image can be used, or there are none', async () => {
    const bad = tempDir();
    fs.writeFileSync(path.join(bad, 'x.jpg'), 'garbage');
    await sharp({ create: { width: 3, height: 3, channels: 3, background: '#fff' } }).png().toFile(path.join(bad, 'y.png'));
    await assert.rejects(loadImageFolder(bad, 32), (e: ImageFolderError) => e.message.includes(bad) && /None of the 2 images/.test(e.message) && /x\.jpg/.test(e.message) && /at least 16 pixels/.test(e.hint));
    const empty = tempDir();
    await assert.rejects(loadImageFolder(empty, 32), (e: ImageFolderError) => e.message.includes(`${empty} holds no PNG, JPEG or WebP images`) && /"datasetPath"/.test(e.hint));
    await assert.rejects(loadImageFolder(path.join(empty, 'missing'), 32), /does not exist/);
  });
});

describe('data set keys', () => {
  it('validates dataset, datasetPath and channels', () => {
    const problems = (o: Record<string, unknown>) => resolveConfig(o).problems.map((p) => p.message);
    assert.deepEqual(problems({ dataset: 'cifar10' }), []);
    assert.match(problems({ dataset: 'folder' })[0], /"dataset": "folder" needs "datasetPath"/);
    assert.match(problems({ dataset: 'svhn' })[0], /"dataset" must be one of "fashion-mnist", "mnist", "kmnist", "cifar10", "folder"/);
    assert.match(problems({ channels: 2 })[0], /"channels" must be 1 or 3 \(or null\)/);
    assert.match(problems({ datasetPath: '' })[0], /"datasetPath" must be a non-empty string \(or null\)/);
    assert.equal(resolveConfig({}).config.dataset, 'fashion-mnist', 'FashionMNIST stays the default');
  });
});
