/** Fixtures shared by the unit tests: temporary folders, small IDX data sets, the real data set. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { encodeIdx } from '../../src/trainer/data/idx';
import { TRAIN_IMAGES, TRAIN_LABELS } from '../../src/trainer/data/fashionMnist';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export function tempDir(prefix = 'gan-studio-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** `count` 28x28 images with distinct, deterministic patterns (a shape per image, like clothing on black). */
export function syntheticImages(count: number): Uint8Array {
  const pixels = new Uint8Array(count * 28 * 28);
  for (let n = 0; n < count; n++) {
    const cx = 8 + (n % 12);
    const cy = 8 + ((n * 5) % 12);
    const r = 4 + (n % 6);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const d = Math.hypot(x - cx, y - cy);
        pixels[n * 784 + y * 28 + x] = d < r ? 255 - ((n * 17 + x * 3) % 80) : 0;
      }
    }
  }
  return pixels;
}

/** Writes a gzipped IDX training-images file of `count` synthetic images into `dir`; returns the path. */
export function writeImagesFixture(dir: string, count: number, pixels = syntheticImages(count)): string {
  const file = path.join(dir, TRAIN_IMAGES.name);
  fs.writeFileSync(file, zlib.gzipSync(encodeIdx([count, 28, 28], pixels)));
  return file;
}

/** Writes a gzipped IDX training-labels file of `count` labels (image n: class n mod 10) into `dir`; returns the path. */
export function writeLabelsFixture(dir: string, count: number): string {
  const file = path.join(dir, TRAIN_LABELS.name);
  fs.writeFileSync(file, zlib.gzipSync(encodeIdx([count], Uint8Array.from({ length: count }, (_, n) => n % 10))));
  return file;
}

/**
 * The real FashionMNIST folder for the tests that need it: $GAN_STUDIO_TEST_DATA, the verified
 * copy beside the repository, or Debian's dataset-fashion-mnist (which .ci/run installs).
 */
export function realDataDir(): string {
  const candidates = [
    process.env.GAN_STUDIO_TEST_DATA,
    path.resolve(REPO_ROOT, '..', 'shared', 'data', 'fashion-mnist'),
    '/usr/share/datasets/fashion-mnist',
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => fs.existsSync(path.join(d, TRAIN_IMAGES.name)));
  assert.ok(found, `FashionMNIST not found in ${candidates.join(', ')}: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`);
  return found;
}

export function closeTo(actual: number, expected: number, tolerance: number, message = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message} expected ${expected} ± ${tolerance}, got ${actual}`);
}
