/**
 * Finding, downloading and loading the FashionMNIST training images.
 * Look-up order: the configured folders, the download cache, Debian's dataset-fashion-mnist
 * package, then a download from the official location with checksum verification.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFileError, gunzipIdx, parseIdx } from './idx';
import { download, DownloadProgress } from './download';

export const DEBIAN_DATASET_DIR = '/usr/share/datasets/fashion-mnist';
export const OFFICIAL_BASE_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
export const SOURCE_IMAGE_SIZE = 28;

export interface DatasetFile {
  name: string;
  count: number;
  /** MD5 of the official .gz file (Debian's copy has other gzip headers, so it differs there). */
  gzipMd5: string;
  /** MD5 of the uncompressed IDX data, the same for every faithful copy (absent: the .gz file's MD5 is checked instead). */
  dataMd5?: string;
}

export const TRAIN_IMAGES: DatasetFile = {
  name: 'train-images-idx3-ubyte.gz',
  count: 60000,
  gzipMd5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
  dataMd5: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
};

export const TEST_IMAGES: DatasetFile = {
  name: 't10k-images-idx3-ubyte.gz',
  count: 10000,
  gzipMd5: 'bef4ecab320f06d8554ea6380940ec79',
  dataMd5: '8181f5470baa50b63fa0f6fddb340f0a',
};

export const TRAIN_LABELS: DatasetFile = {
  name: 'train-labels-idx1-ubyte.gz',
  count: 60000,
  gzipMd5: '25c81989df183df01b3e8a0aad5dffbe',
  dataMd5: '9018921c3c673c538a1fc5bad174d6f9',
};

export const TEST_LABELS: DatasetFile = {
  name: 't10k-labels-idx1-ubyte.gz',
  count: 10000,
  gzipMd5: 'bb300cfdad3c16e7a12a480ee83cd310',
  dataMd5: '15d484375f8d13e6eb1aabb0c3f46965',
};

/** The ten classes of FashionMNIST, by label. */
export const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export type DataSource = 'configured' | 'cache' | 'debian' | 'download';

export interface LocatedFile {
  file: string;
  source: DataSource;
}

export interface LocateOptions {
  dataDirs: string[];
  cacheDir?: string;
  /** Defaults to Debian's package folder; tests point it elsewhere. */
  systemDir?: string;
  offline?: boolean;
  baseUrl?: string;
  onDownload?: (progress: DownloadProgress) => void;
  /** The data set's name in messages (default FashionMNIST) and how to point at its folder. */
  title?: string;
  folderHint?: string;
}

export class DatasetNotFoundError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'DatasetNotFoundError';
  }
}

/** Finds (or downloads) one data set file. */
export async function locateDatasetFile(spec: DatasetFile, options: LocateOptions): Promise<LocatedFile> {
  // A folder the user chose must exist: silently training on another copy would hide the mistake.
  for (const dir of options.dataDirs) {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new DatasetNotFoundError(
        `The data set folder ${dir} does not exist (or is not a folder).`,
        options.folderHint ?? 'Correct the dataset folder (ganStudio.datasetFolder, or --data), or clear it to use the download cache or Debian\'s dataset-fashion-mnist.',
      );
    }
  }
  const candidates: LocatedFile[] = [
    ...options.dataDirs.map((dir) => ({ file: path.join(dir, spec.name), source: 'configured' as const })),
    ...(options.cacheDir ? [{ file: path.join(options.cacheDir, spec.name), source: 'cache' as const }] : []),
    { file: path.join(options.systemDir ?? DEBIAN_DATASET_DIR, spec.name), source: 'debian' },
  ];
  const found = candidates.find((c) => fs.existsSync(c.file));
  if (found) return found;
  const searched = candidates.map((c) => c.file).join(', ');
  if (options.offline || !options.cacheDir) {
    throw new DatasetNotFoundError(
      `${options.title ?? 'FashionMNIST'} file ${spec.name} was not found (looked in ${searched}).`,
      options.folderHint ??
        'Set the dataset folder (ganStudio.datasetFolder, or --data) to a folder with the official .gz files, ' +
          "install Debian's dataset-fashion-mnist package, or allow the download.",
    );
  }
  const target = path.join(options.cacheDir, spec.name);
  await download(new URL(spec.name, options.baseUrl ?? OFFICIAL_BASE_URL).toString(), target, {
    md5: spec.gzipMd5,
    onProgress: options.onDownload,
  });
  return { file: target, source: 'download' };
}

/** Reads and validates the training images: returns `count` 28x28 uint8 images. */
export function readImages(file: string, spec: DatasetFile = TRAIN_IMAGES): { count: number; pixels: Uint8Array } {
  const { dims, data } = readIdxFile(file, spec, [null, SOURCE_IMAGE_SIZE, SOURCE_IMAGE_SIZE]);
  return { count: dims[0], pixels: data };
}

/** Reads and validates a label file: one class index (0-9) per image. */
export function readLabels(file: string, spec: DatasetFile): Uint8Array {
  const { data } = readIdxFile(file, spec, [null]);
  const bad = data.findIndex((label) => label >= CLASS_NAMES.length);
  if (bad >= 0) throw new DataFileError(file, `label ${bad} is ${data[bad]}, outside 0-${CLASS_NAMES.length - 1}`, 'Use the official FashionMNIST label files.');
  return data;
}

function readIdxFile(file: string, spec: DatasetFile, dims: (number | null)[]): { dims: number[]; data: Uint8Array } {
  let compressed: Buffer;
  try {
    compressed = fs.readFileSync(file);
  } catch (error) {
    throw new DataFileError(file, `cannot be read (${(error as Error).message})`, 'Check that the file exists and is readable.');
  }
  const raw = gunzipIdx(file, compressed);
  const idx = parseIdx(file, raw, dims);
  if (idx.dims[0] === 0) {
    throw new DataFileError(file, 'holds no images (its header says 0)', 'Use the official FashionMNIST files: delete this one so that GAN Studio downloads a fresh copy, or set the dataset folder to a complete copy.');
  }
  if (idx.dims[0] === spec.count) {
    const expected = spec.dataMd5 ?? spec.gzipMd5;
    const md5 = crypto.createHash('md5').update(spec.dataMd5 ? raw : compressed).digest('hex');
    if (md5 !== expected) {
      throw new DataFileError(
        file,
        `has the size of the official ${spec.name} but not its content (md5 ${md5}, expected ${expected})`,
        'Delete the file so that GAN Studio downloads a fresh copy, or use the official files.',
      );
    }
  }
  return idx;
}
