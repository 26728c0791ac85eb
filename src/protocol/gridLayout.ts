/**
 * The geometry of sample grids (torchvision's make_grid: `columns` images a row, `padding` pixels
 * of black around and between them) and the conversion of generator outputs to 8-bit pixels.
 * Pure; shared by the grid inspector, the playground webview and the generator process.
 */

export const GRID_PADDING = 2;
export const GRID_COLUMNS = 8;

export interface GridGeometry {
  /** Side of one image in pixels. */
  imageSize: number;
  padding: number;
  columns: number;
  rows: number;
  /** Images in the grid (the last row may be partial). */
  count: number;
  width: number;
  height: number;
}

export interface CellRect {
  x: number;
  y: number;
  size: number;
}

/** The layout of `count` images as make_grid places them. */
export function layoutGrid(count: number, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING): GridGeometry {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`a grid needs at least one image, not ${count}`);
  const cols = Math.min(columns, count);
  const rows = Math.ceil(count / columns);
  return { imageSize, padding, columns: cols, rows, count, width: cols * (imageSize + padding) + padding, height: rows * (imageSize + padding) + padding };
}

/**
 * Recognises a grid image of `width` x `height` pixels holding `count` images of `imageSize`
 * (the run's sampleCount; 64 for the real-images grid). Undefined when the size does not fit,
 * e.g. a PNG that only happens to be named *.grid.png.
 */
export function detectGrid(width: number, height: number, imageSize: number, count: number, padding = GRID_PADDING): GridGeometry | undefined {
  if (!Number.isInteger(count) || count < 1) return undefined;
  for (const columns of [GRID_COLUMNS, ...range(1, 33).filter((c) => c !== GRID_COLUMNS)]) {
    const g = layoutGrid(count, imageSize, columns, padding);
    if (g.width === width && g.height === height) return g;
  }
  return undefined;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Top-left corner of cell `index` (row-major), in grid pixels. */
export function cellRect(g: GridGeometry, index: number): CellRect {
  const column = index % g.columns;
  const row = Math.floor(index / g.columns);
  return { x: g.padding + column * (g.imageSize + g.padding), y: g.padding + row * (g.imageSize + g.padding), size: g.imageSize };
}

/**
 * The cell under grid pixel (x, y) (fractions allowed, e.g. a mouse position divided by the zoom),
 * or undefined over the padding, an empty slot of the last row, or outside the grid.
 */
export function cellAt(g: GridGeometry, x: number, y: number): number | undefined {
  if (!(x >= 0 && y >= 0 && x < g.width && y < g.height)) return undefined;
  const pitch = g.imageSize + g.padding;
  const px = Math.floor(x) - g.padding;
  const py = Math.floor(y) - g.padding;
  if (px < 0 || py < 0) return undefined;
  const column = Math.floor(px / pitch);
  const row = Math.floor(py / pitch);
  if (px % pitch >= g.imageSize || py % pitch >= g.imageSize) return undefined;
  if (column >= g.columns || row >= g.rows) return undefined;
  const index = row * g.columns + column;
  return index < g.count ? index : undefined;
}

/** How generator outputs (tanh, in [-1, 1]) become 8-bit pixels. */
export type PixelMapping =
  /** (v + 1) / 2: the same output always gives the same grey, whatever else is in the batch. */
  | 'fixed'
  /** Min-max over the whole batch, as the sample grids (make_grid normalize=True, save_image). */
  | 'minmax';

/** Generator outputs (one channel, any count) as 8 bits, rounded like torchvision's save_image. */
export function toPixels(values: Float32Array, mapping: PixelMapping): Uint8Array {
  let low = -1;
  let high = 1;
  if (mapping === 'minmax') {
    low = Infinity;
    high = -Infinity;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < low) low = values[i];
      if (values[i] > high) high = values[i];
    }
  }
  // torchvision: clamp(low, high).sub(low).div(max(high - low, 1e-5)); mul(255).add(0.5).clamp(0, 255) to uint8
  const scale = 1 / Math.max(high - low, 1e-5);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = (Math.min(high, Math.max(low, values[i])) - low) * scale;
    out[i] = Math.min(255, Math.max(0, Math.floor(v * 255 + 0.5)));
  }
  return out;
}

/** Places `count` square images (8-bit, concatenated, `channels` interleaved: 1 grey, 3 RGB) into a grid with black padding. */
export function composeGrid(images: Uint8Array, imageSize: number, columns = GRID_COLUMNS, padding = GRID_PADDING, channels = 1): { geometry: GridGeometry; pixels: Uint8Array } {
  const area = imageSize * imageSize * channels;
  const count = images.length / area;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${images.length} pixels are not whole ${imageSize}x${imageSize}${channels === 1 ? '' : `x${channels}`} images`);
  const geometry = layoutGrid(count, imageSize, columns, padding);
  const pixels = new Uint8Array(geometry.width * geometry.height * channels);
  const rowBytes = imageSize * channels;
  for (let n = 0; n < count; n++) {
    const { x, y } = cellRect(geometry, n);
    for (let row = 0; row < imageSize; row++) {
      pixels.set(images.subarray(n * area + row * rowBytes, n * area + (row + 1) * rowBytes), ((y + row) * geometry.width + x) * channels);
    }
  }
  return { geometry, pixels };
}

/** A square-ish number of columns for a strip or grid of `count` images, at most `max`. */
export function columnsFor(count: number, max = 16): number {
  return Math.max(1, Math.min(max, Math.ceil(Math.sqrt(count))));
}
