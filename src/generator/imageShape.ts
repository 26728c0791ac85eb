/** The image shape of an exported generator. */
import type { ExperimentConfig } from '../protocol/experimentConfig';
import { architectureOf } from '../trainer/model/dcgan';

/** [height, width, channels] of the images of the generator `config` describes (its size, and its data set's channels unless set). */
export function imageShapeOf(config: { imageSize?: number; channels?: number | null; dataset?: ExperimentConfig['dataset'] }): [number, number, number] {
  const { imageSize, channels } = architectureOf(config);
  return [imageSize, imageSize, channels];
}
