/** From the data set files to a TrainingSet: locate (or download), validate, apply the seed's transform. */
import * as path from 'node:path';
import { ExperimentConfig, IMAGE_SIZE, imageChannels } from '../../protocol/experimentConfig';
import type { DownloadProgress } from './download';
import { CIFAR10_SIZE, locateCifar10, readCifar10 } from './cifar10';
import { datasetCacheDir, folderHint, IDX_DATASETS } from './datasets';
import { LocatedFile, locateDatasetFile, readImages, readLabels, SOURCE_IMAGE_SIZE, TRAIN_LABELS } from './fashionMnist';
import { describeSkipped, loadImageFolder } from './imageFolder';
import { preprocessChannels, preprocessImages } from './preprocess';
import { TrainingSet } from './trainingSet';

export interface DataOptions {
  /** FashionMNIST's folders (ganStudio.datasetFolder, --data). */
  dataDirs: string[];
  /** The other data sets' folders, by data set (ganStudio.datasetFolders; --data for the run's data set). */
  datasetDirs?: Readonly<Record<string, string>>;
  cacheDir?: string;
  offline?: boolean;
  /** Overrides Debian's folder (tests). */
  systemDir?: string;
  onDownload?: (progress: DownloadProgress) => void;
  /** Folder images decoded so far (the first decode of a folder). */
  onDecode?: (done: number, total: number) => void;
  /** Where a relative datasetPath is taken from (default: the working directory). */
  baseDir?: string;
}

export interface LoadedTrainingSet {
  set: TrainingSet;
  source: LocatedFile;
  /** The run's image channels (a folder's detected ones when `channels` is null). */
  channels: number;
  /** Lines for the run's log (skipped images, the decode cache). */
  notes: string[];
}

export async function loadTrainingSet(config: ExperimentConfig, options: DataOptions): Promise<LoadedTrainingSet> {
  // Every data set is resized to the model's side with the same filter (PIL's bilinear Resize for FashionMNIST, as in the lesson).
  const size = config.imageSize ?? IMAGE_SIZE;
  const dataset = config.dataset ?? 'fashion-mnist';
  const take = (count: number) => (config.trainSubset === null ? count : Math.min(count, config.trainSubset));
  const userPath = config.datasetPath ? path.resolve(options.baseDir ?? process.cwd(), config.datasetPath) : undefined;
  const configured = (fallback: string[]) => (userPath ? [userPath] : fallback);
  const locate = {
    cacheDir: datasetCacheDir(options.cacheDir, dataset),
    offline: options.offline,
    onDownload: options.onDownload,
  };
  if (dataset === 'folder') {
    const folder = userPath ?? options.datasetDirs?.folder;
    if (!folder) throw new Error(`"dataset": "folder" needs "datasetPath". ${folderHint('folder', '')}`);
    const images = await loadImageFolder(folder, size, { cacheDir: options.cacheDir, onProgress: options.onDecode });
    const channels = config.channels ?? (images.grey ? 1 : 3);
    const used = take(images.count);
    const notes = [
      images.cache?.hit
        ? `Images: ${images.count} read from the decode cache ${images.cache.file} in ${images.decodeSec.toFixed(2)} s`
        : `Images: ${images.count} decoded in ${images.decodeSec.toFixed(2)} s${images.cache ? ` (cached in ${images.cache.file})` : ''}`,
      ...(images.skipped.length > 0 ? [`Skipped ${images.skipped.length} of ${images.count + images.skipped.length} files: ${describeSkipped(images.skipped)}`] : []),
      ...(config.channels === null ? [`Channels: ${channels} (${images.grey ? 'every image is grey' : 'colour images'}; set "channels" to choose)`] : []),
    ];
    const pixels = preprocessChannels(images.pixels, size, 3, size, channels, used);
    return { set: new TrainingSet(pixels, config.seed, config.batchSize, { channels, imageSize: size }), source: { file: folder, source: 'configured' }, channels, notes };
  }
  const channels = imageChannels(config);
  if (dataset === 'cifar10') {
    const source = await locateCifar10({ ...locate, dataDirs: configured(options.datasetDirs?.cifar10 ? [options.datasetDirs.cifar10] : []), folderHint: folderHint('cifar10', 'cifar-10-binary.tar.gz') });
    const { count, pixels, labels } = await readCifar10(source.file);
    const used = take(count);
    const images = preprocessChannels(pixels, CIFAR10_SIZE, 3, size, channels, used);
    const setOptions = { channels, imageSize: size, ...(config.conditional ? { labels: labels.slice(0, used) } : {}) };
    return { set: new TrainingSet(images, config.seed, config.batchSize, setOptions), source, channels, notes: [] };
  }
  const spec = IDX_DATASETS[dataset];
  const dirs = dataset === 'fashion-mnist' ? configured(options.dataDirs) : configured(options.datasetDirs?.[dataset] ? [options.datasetDirs[dataset]] : []);
  const source = await locateDatasetFile(spec.trainImages, {
    ...locate,
    dataDirs: dirs,
    ...(dataset === 'fashion-mnist' ? { systemDir: options.systemDir } : { systemDir: spec.systemDir, baseUrl: spec.baseUrl, title: spec.title, folderHint: folderHint(dataset, 'the official .gz files') }),
  });
  const { count, pixels } = readImages(source.file, spec.trainImages);
  const used = take(count);
  // FashionMNIST in grey: exactly the lesson's transform (preprocessImages), unchanged.
  const images = channels === 1 ? preprocessImages(pixels, SOURCE_IMAGE_SIZE, size, 0, used) : preprocessChannels(pixels, SOURCE_IMAGE_SIZE, 1, size, channels, used);
  // A conditional run needs the classes: the labels file, found like the images (same folder chain and cache).
  let labels: Uint8Array | undefined;
  if (config.conditional) {
    if (dataset !== 'fashion-mnist') throw new Error(`A conditional run reads the labels of fashion-mnist and cifar10, not of ${dataset}.`);
    const labelFile = await locateDatasetFile(TRAIN_LABELS, { ...locate, dataDirs: dirs, systemDir: options.systemDir });
    const all = readLabels(labelFile.file, TRAIN_LABELS);
    if (all.length < used) throw new Error(`${labelFile.file} has ${all.length} labels for ${used} images; a conditional run needs the official FashionMNIST labels.`);
    labels = all.slice(0, used);
  }
  return { set: new TrainingSet(images, config.seed, config.batchSize, { channels, imageSize: size, labels }), source, channels, notes: [] };
}
