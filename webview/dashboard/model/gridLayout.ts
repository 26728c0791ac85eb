/**
 * Sizes for showing sample grids pixel-exact: an integer number of screen pixels per image pixel
 * whenever the grid fits at 1x, and where the first row's images lie in a make_grid picture. Pure;
 * the grid geometry itself is src/protocol/gridLayout.ts.
 */
import { IMAGE_SIZE } from '../../../src/protocol/experimentConfig';
import { cellRect, GRID_PADDING, layoutGrid } from '../../../src/protocol/gridLayout';

/**
 * CSS width for a grid `natural` pixels wide in `available` pixels: the largest whole multiple
 * that fits (and, when `maxHeight` is given, whose height fits too, for a square grid); the
 * available width when even 1x does not fit.
 */
export function gridDisplayWidth(natural: number, available: number, maxHeight = Infinity, maxScale = 8): number {
  if (!(natural > 0) || !(available > 0)) return Math.max(0, natural);
  if (available < natural) return Math.floor(available);
  const byWidth = Math.floor(available / natural);
  const byHeight = Number.isFinite(maxHeight) ? Math.floor(maxHeight / natural) : byWidth;
  return natural * Math.max(1, Math.min(byWidth, byHeight, maxScale));
}

export interface Cell {
  x: number;
  y: number;
  size: number;
}

/**
 * The first `max` images of a grid made like torchvision's make_grid (padding around every image,
 * images of `cell` pixels, as many per row as fit): the lesson's strip of 8.
 */
export function firstRowCells(gridWidth: number, max = 8, cell = IMAGE_SIZE, padding = GRID_PADDING): Cell[] {
  const perRow = Math.floor((gridWidth - padding) / (cell + padding));
  const n = Math.max(0, Math.min(max, perRow));
  if (n === 0) return [];
  const row = layoutGrid(n, cell, n, padding);
  return Array.from({ length: n }, (_, c) => cellRect(row, c));
}

/** Whole-pixel scale for a strip of `count` images of `cell` pixels with `gap` between them. */
export function stripScale(available: number, count = 8, cell = IMAGE_SIZE, gap = 4, maxScale = 4): number {
  const at1 = count * cell + (count - 1) * gap;
  if (count <= 0 || available <= at1) return 1;
  let s = 1;
  while (s < maxScale && count * cell * (s + 1) + (count - 1) * gap <= available) s++;
  return s;
}
