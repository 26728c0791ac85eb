/** From the data set files to a TrainingSet: locate (or download), validate, apply the seed's transform. */
import { ExperimentConfig, IMAGE_SIZE } from '../../protocol/experimentConfig';
import type { DownloadProgress } from './download';
import { LocatedFile, locateDatasetFile, readImages, SOURCE_IMAGE_SIZE, TRAIN_IMAGES } from './fashionMnist';
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
  const images = preprocessImages(pixels, SOURCE_IMAGE_SIZE, IMAGE_SIZE, 0, used);
  return { set: new TrainingSet(images, config.seed, config.batchSize), source };
}
