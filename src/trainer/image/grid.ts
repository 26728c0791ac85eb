/**
 * torchvision.utils.make_grid(images, padding=2, normalize=True) for one-channel images, then
 * save_image's conversion to 8 bits: min-max normalised over the whole batch, `nrow` images per
 * row (8), padding 2 filled with 0 (black). The geometry and the pixel conversion are the shared
 * ones of src/protocol/gridLayout.ts (the inspector, playground and dashboard read grids with them).
 */
import { composeGrid, GRID_COLUMNS, GRID_PADDING, layoutGrid, toPixels } from '../../protocol/gridLayout';

export { GRID_COLUMNS, GRID_PADDING } from '../../protocol/gridLayout';

export interface Grid {
  width: number;
  height: number;
  /** width x height x channels bytes (RGB interleaved when channels is 3). */
  pixels: Uint8Array;
  /** 3 for a colour grid; absent: grey. */
  channels?: number;
}

export function gridSize(count: number, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING): { width: number; height: number } {
  const { width, height } = layoutGrid(count, imageSize, columns, padding);
  return { width, height };
}

/** `images`: `count` images of imageSize x imageSize, `channels` channels (NHWC; 3: RGB), any range. */
export function makeGrid(images: Float32Array, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING, channels = 1): Grid {
  const count = images.length / (imageSize * imageSize * channels);
  if (!Number.isInteger(count) || count === 0) throw new Error(`makeGrid: ${images.length} values are not whole ${imageSize}x${imageSize}x${channels} images`);
  const { geometry, pixels } = composeGrid(toPixels(images, 'minmax'), imageSize, columns, padding, channels);
  return { width: geometry.width, height: geometry.height, pixels, ...(channels === 3 ? { channels } : {}) };
}
