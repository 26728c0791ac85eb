/**
 * CIFAR-10, the official binary version (cifar-10-binary.tar.gz, MD5-verified): found like the IDX
 * data sets (configured folder, download cache, /usr/share/datasets/cifar10, download), read with
 * the `tar` package (gunzip and tar reading in a maintained library). The five training batches
 * hold 10,000 records each: one label byte, then 1024 red, 1024 green and 1024 blue bytes (32x32,
 * row-major).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as tar from 'tar';
import { DataFileError } from './idx';
import { DatasetFile, LocatedFile, locateDatasetFile, LocateOptions } from './fashionMnist';

export const CIFAR10_ARCHIVE: DatasetFile = { name: 'cifar-10-binary.tar.gz', count: 50000, gzipMd5: 'c32a1d4ab5d03f1284b67883e8d87530' };
export const CIFAR10_BASE_URL = 'https://www.cs.toronto.edu/~kriz/';
export const CIFAR10_SYSTEM_DIR = '/usr/share/datasets/cifar10';
export const CIFAR10_SIZE = 32;
export const CIFAR10_RECORD = 1 + 3 * CIFAR10_SIZE * CIFAR10_SIZE;
export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;
const TRAIN_BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const REDOWNLOAD = 'Delete the file so that GAN Studio downloads a fresh copy, or point "datasetPath" at a folder with the official cifar-10-binary.tar.gz.';

export function locateCifar10(options: LocateOptions): Promise<LocatedFile> {
  return locateDatasetFile(CIFAR10_ARCHIVE, { systemDir: CIFAR10_SYSTEM_DIR, baseUrl: CIFAR10_BASE_URL, title: 'CIFAR-10', ...options });
}

/** The training images as uint8 NHWC (RGB, 32x32) with their labels. A full-size archive must have the official MD5. */
export async function readCifar10(file: string): Promise<{ count: number; pixels: Uint8Array; labels: Uint8Array }> {
  const compressed = readOrExplain(file);
  if (compressed.length > 100_000_000) {
    const md5 = crypto.createHash('md5').update(compressed).digest('hex');
    if (md5 !== CIFAR10_ARCHIVE.gzipMd5) throw new DataFileError(file, `is not the official CIFAR-10 binary archive (md5 ${md5}, expected ${CIFAR10_ARCHIVE.gzipMd5})`, REDOWNLOAD);
  }
  const batches = new Map<string, Buffer>();
  try {
    await new Promise<void>((resolve, reject) => {
      const parser = new tar.Parser({
        onReadEntry: (entry) => {
          const name = entry.path.split('/').pop() ?? '';
          if (entry.type !== 'File' || !TRAIN_BATCHES.includes(name)) return entry.resume();
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => batches.set(name, Buffer.concat(chunks)));
        },
      });
      parser.on('error', reject);
      parser.on('warn', (code: string, message: string) => reject(new Error(`${code}: ${message}`)));
      parser.on('end', () => resolve());
      parser.end(compressed);
    });
  } catch (error) {
    throw new DataFileError(file, `is not a readable tar.gz archive (${(error as Error).message})`, REDOWNLOAD);
  }
  const missing = TRAIN_BATCHES.filter((b) => !batches.has(b));
  if (missing.length === TRAIN_BATCHES.length) throw new DataFileError(file, `holds none of CIFAR-10's training batches (${TRAIN_BATCHES.join(', ')})`, REDOWNLOAD);
  const parts: Buffer[] = [];
  for (const name of TRAIN_BATCHES) {
    const data = batches.get(name);
    if (!data) continue;
    if (data.length === 0 || data.length % CIFAR10_RECORD !== 0) {
      throw new DataFileError(file, `${name} has ${data.length} bytes, not whole records of ${CIFAR10_RECORD} (1 label + 32x32x3)`, REDOWNLOAD);
    }
    parts.push(data);
  }
  const all = Buffer.concat(parts);
  const count = all.length / CIFAR10_RECORD;
  const area = CIFAR10_SIZE * CIFAR10_SIZE;
  const pixels = new Uint8Array(count * area * 3);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const record = n * CIFAR10_RECORD;
    labels[n] = all[record];
    if (labels[n] >= CIFAR10_CLASS_NAMES.length) throw new DataFileError(file, `record ${n} has label ${labels[n]}, outside 0-9`, REDOWNLOAD);
    const out = n * area * 3;
    for (let i = 0; i < area; i++) {
      pixels[out + 3 * i] = all[record + 1 + i];
      pixels[out + 3 * i + 1] = all[record + 1 + area + i];
      pixels[out + 3 * i + 2] = all[record + 1 + 2 * area + i];
    }
  }
  return { count, pixels, labels };
}

function readOrExplain(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new DataFileError(file, `cannot be read (${(error as Error).message})`, 'Check that the file exists and is readable.');
  }
}
