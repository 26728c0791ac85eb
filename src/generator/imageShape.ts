/** The image shape of an exported generator. */
import { IMAGE_CHANNELS } from '../protocol/experimentConfig';
import { architectureOf } from '../trainer/model/dcgan';

/** [height, width, channels] of the images of the generator `config` describes. */
export function imageShapeOf(config: { imageSize?: number }): [number, number, number] {
  const size = architectureOf(config).imageSize;
  return [size, size, IMAGE_CHANNELS];
}
