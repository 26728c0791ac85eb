/** From the data set files to a TrainingSet: locate (or download), validate, apply the seed's transform. */
import { ExperimentConfig, IMAGE_SIZE } from '../../protocol/experimentConfig';
import type { DownloadProgress } from './download';
import { LocatedFile, locateDatasetFile, readImages, readLabels, SOURCE_IMAGE_SIZE, TRAIN_IMAGES, TRAIN_LABELS } from './fashionMnist';
import { preprocessImages } from './preprocess';
import { TrainingSet } from './trainingSet';

export interface DataOptions {
  dataDirs: string[];
  cacheDir?: string;
  offline?: boolean;
  /** Overrides Debian's folder (tests). */
  systemDir?: string;
  onDownload?: (progress: DownloadProgress) => void;
}

export async function loadTrainingSet(config: ExperimentConfig, options: DataOptions): Promise<{ set: TrainingSet; source: LocatedFile }> {
  const source = await locateDatasetFile(TRAIN_IMAGES, options);
  const { count, pixels } = readImages(source.file);
  const used = config.trainSubset === null ? count : Math.min(count, config.trainSubset);
  const imageSize = config.imageSize ?? IMAGE_SIZE;
  // The same transform at every size: PIL's bilinear Resize(imageSize) of the 28x28 images.
  const images = preprocessImages(pixels, SOURCE_IMAGE_SIZE, imageSize, 0, used);
  // A conditional run needs the classes: the labels file, found like the images (same folder chain and cache).
  let labels: Uint8Array | undefined;
  if (config.conditional) {
    const labelFile = await locateDatasetFile(TRAIN_LABELS, options);
    const all = readLabels(labelFile.file, TRAIN_LABELS);
    if (all.length < used) throw new Error(`${labelFile.file} has ${all.length} labels for ${used} images; a conditional run needs the official FashionMNIST labels.`);
    labels = all.slice(0, used);
  }
  return { set: new TrainingSet(images, config.seed, config.batchSize, { imageSize, labels }), source };
}
