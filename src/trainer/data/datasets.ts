/**
 * The IDX data sets besides FashionMNIST (MNIST and Kuzushiji-MNIST): the same 28x28 grey IDX files,
 * the same look-up (configured folders, download cache, /usr/share/datasets/<name>, download from
 * the official location with MD5 verification). Each has its own cache folder, because the file
 * names are the same as FashionMNIST's.
 */
import * as path from 'node:path';
import type { DatasetChoice } from '../../protocol/experimentConfig';
import { CIFAR10_CLASS_NAMES } from './cifar10';
import { CLASS_NAMES, DatasetFile, DEBIAN_DATASET_DIR, OFFICIAL_BASE_URL, TRAIN_IMAGES } from './fashionMnist';

export interface IdxDataset {
  key: Extract<DatasetChoice, 'fashion-mnist' | 'mnist' | 'kmnist'>;
  title: string;
  baseUrl: string;
  systemDir: string;
  trainImages: DatasetFile;
  classNames: readonly string[];
}

export const IDX_DATASETS: Readonly<Record<IdxDataset['key'], IdxDataset>> = {
  'fashion-mnist': {
    key: 'fashion-mnist',
    title: 'FashionMNIST',
    baseUrl: OFFICIAL_BASE_URL,
    systemDir: DEBIAN_DATASET_DIR,
    trainImages: TRAIN_IMAGES,
    classNames: CLASS_NAMES,
  },
  mnist: {
    key: 'mnist',
    title: 'MNIST',
    // LeCun's page (yann.lecun.com/exdb/mnist) no longer serves the files reliably; this is the
    // copy PyTorch's torchvision downloads, byte for byte the same files (the MD5s below).
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    systemDir: '/usr/share/datasets/mnist',
    trainImages: { name: 'train-images-idx3-ubyte.gz', count: 60000, gzipMd5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
  kmnist: {
    key: 'kmnist',
    title: 'Kuzushiji-MNIST',
    baseUrl: 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
    systemDir: '/usr/share/datasets/kmnist',
    trainImages: { name: 'train-images-idx3-ubyte.gz', count: 60000, gzipMd5: 'bdb82020997e1d708af4cf47b453dcf7' },
    classNames: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
  },
};

/** The download cache of a data set: FashionMNIST's is the cache folder itself (as before), the others a subfolder. */
export function datasetCacheDir(cacheDir: string | undefined, dataset: DatasetChoice): string | undefined {
  if (!cacheDir) return undefined;
  return dataset === 'fashion-mnist' ? cacheDir : path.join(cacheDir, dataset);
}

/** How to point GAN Studio at a data set's files, for messages. */
export function folderHint(dataset: DatasetChoice, what: string): string {
  if (dataset === 'fashion-mnist') return `Set the dataset folder (ganStudio.datasetFolder, or --data) to a folder with ${what}, install Debian's dataset-fashion-mnist package, or allow the download.`;
  if (dataset === 'folder') return 'Set "datasetPath" in the experiment file to a folder of PNG, JPEG or WebP images.';
  return `Set "datasetPath" in the experiment file (or the setting ganStudio.datasetFolders["${dataset}"], or --data) to a folder with ${what}, or allow the download.`;
}

/** The class names of a data set's labels, in label order (a folder has none). */
export function datasetClassNames(dataset: DatasetChoice | undefined): readonly string[] {
  const key = dataset ?? 'fashion-mnist';
  if (key === 'cifar10') return CIFAR10_CLASS_NAMES;
  if (key === 'folder') return [];
  return IDX_DATASETS[key].classNames;
}
