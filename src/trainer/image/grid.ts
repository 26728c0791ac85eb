/**
 * torchvision.utils.make_grid(images, padding=2, normalize=True) for one-channel images, then
 * save_image's conversion to 8 bits: min-max normalised over the whole batch, `nrow` images per
 * row (8), padding 2 filled with 0 (black).
 */
export interface Grid {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export const GRID_PADDING = 2;
export const GRID_COLUMNS = 8;

export function gridSize(count: number, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING): { width: number; height: number } {
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / columns);
  return { width: cols * (imageSize + padding) + padding, height: rows * (imageSize + padding) + padding };
}

/** `images`: `count` images of imageSize x imageSize, one channel, any range. */
export function makeGrid(images: Float32Array, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING): Grid {
  const area = imageSize * imageSize;
  const count = images.length / area;
  if (!Number.isInteger(count) || count === 0) throw new Error(`makeGrid: ${images.length} values are not whole ${imageSize}x${imageSize} images`);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // torchvision: norm_ip(img, low, high): clamp(low, high), sub(low).div(max(high - low, 1e-5))
  const scale = 1 / Math.max(max - min, 1e-5);
  const { width, height } = gridSize(count, imageSize, columns, padding);
  const pixels = new Uint8Array(width * height);
  for (let n = 0; n < count; n++) {
    const x0 = padding + (n % columns) * (imageSize + padding);
    const y0 = padding + Math.floor(n / columns) * (imageSize + padding);
    for (let y = 0; y < imageSize; y++) {
      for (let x = 0; x < imageSize; x++) {
        const v = (images[n * area + y * imageSize + x] - min) * scale;
        // save_image: mul(255).add_(0.5).clamp_(0, 255) then to uint8 (truncation)
        pixels[(y0 + y) * width + x0 + x] = Math.min(255, Math.max(0, Math.floor(v * 255 + 0.5)));
      }
    }
  }
  return { width, height, pixels };
}
