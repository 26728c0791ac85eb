/**
 * Messages between the extension host and the grid inspector webview (a custom editor for
 * `*.grid.png`), as discriminated unions handled with exhaustive switches, plus the pure look-ups
 * both sides need (nearest step, zoom steps). Messages from the webview are checked at run time
 * (`parseInspectorMessage`). No vscode, DOM or Node imports.
 */
import { isFiniteNumber, isRecord, isString, unknownType } from './guards';
import type { Problem, RunChoice } from './webviewCommon';

export type { Problem, RunChoice } from './webviewCommon';

export const INSPECTOR_VIEW_TYPE = 'ganStudio.gridInspector';

export interface GridImage {
  /** Iterations completed (src/protocol/steps.ts). */
  step: number;
  /** Epochs completed, fractional. */
  epoch: number;
  /** Path relative to the run folder, e.g. samples/step-000500.grid.png. */
  file: string;
  /** URI the webview loads the PNG from (changes when the file is rewritten). */
  src: string;
}

/** A run as the inspector shows it: its generated grids in step order and its real-images grid. */
export interface InspectorRun {
  dir: string;
  id: string;
  name: string;
  /** running, completed, stopped, failed or interrupted. */
  status: string;
  /** Images per generated grid (the run's sampleCount). */
  sampleCount: number;
  imageSize: number;
  /** Real images in real.grid.png (the seed shows 64). */
  realCount: number;
  grids: GridImage[];
  real: { file: string; src: string } | null;
  /** Labels of the grids' rows, top to bottom (a conditional run: its classes); absent: unlabelled. */
  gridRows?: string[];
}

/** The file the editor was opened on. */
export interface InspectorDocument {
  /** Absolute path. */
  file: string;
  fileName: string;
  src: string;
  /** A generated grid, the real-images grid, or a .grid.png outside any run folder. */
  kind: 'generated' | 'real' | 'other';
  /** Step and epoch from the file name or the PNG's text chunks. */
  step: number | null;
  epoch: number | null;
  width: number;
  height: number;
  run: InspectorRun | null;
  /** Why some features are not available, e.g. "not inside a run folder". */
  notice: string | null;
}

export type HostToInspector =
  | { type: 'init'; document: InspectorDocument; runs: RunChoice[] }
  /** The document's run changed on disk (a new grid, a rename, the run ended). */
  | { type: 'run'; run: InspectorRun }
  | { type: 'runs'; runs: RunChoice[] }
  /** The run to compare with (null: comparison off); also sent when it changes on disk. */
  | { type: 'compare'; run: InspectorRun | null }
  /** The document cannot be shown. */
  | { type: 'error'; problem: Problem }
  /** A grid of a run failed to load in the webview; the host's diagnosis. */
  | { type: 'gridProblem'; src: string; problem: Problem };

export type InspectorToHost =
  | { type: 'ready' }
  | { type: 'compare'; dir: string | null }
  /** An image could not be decoded; the host reads the file and says why. */
  | { type: 'gridFailed'; src: string }
  /** Open the file shown with VS Code's own image preview. */
  | { type: 'openWithImagePreview' }
  /** Open the generator playground on the run's checkpoint nearest this step. */
  | { type: 'openPlayground'; step: number };

/** Checks a message from the inspector webview; undefined (and the host ignores it) when it is not one. */
export function parseInspectorMessage(value: unknown): InspectorToHost | undefined {
  if (!isRecord(value) || !isString(value.type)) return undefined;
  const type = value.type as InspectorToHost['type'];
  switch (type) {
    case 'ready':
    case 'openWithImagePreview':
      return { type };
    case 'compare':
      return value.dir === null || (isString(value.dir) && value.dir !== '') ? { type, dir: value.dir } : undefined;
    case 'gridFailed':
      return isString(value.src) ? { type, src: value.src } : undefined;
    case 'openPlayground':
      return isFiniteNumber(value.step) ? { type, step: value.step } : undefined;
    default:
      return unknownType(type);
  }
}

/**
 * Index of the entry whose step is nearest `step` in a list sorted by step (ties go to the
 * earlier grid); -1 for an empty list.
 */
export function nearestStepIndex(steps: readonly { step: number }[], step: number): number {
  if (steps.length === 0) return -1;
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  // lo is the first entry at or after `step`; the one before may be nearer.
  if (lo > 0 && step - steps[lo - 1].step <= steps[lo].step - step) return lo - 1;
  return lo;
}

/** Zoom levels for the keyboard and buttons: fractions below 1, whole numbers above (pixel-exact). */
export const ZOOM_LEVELS = [0.25, 0.5, 0.75, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32] as const;

/** The next zoom level above (direction 1) or below (-1) `zoom`. */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  if (direction > 0) return ZOOM_LEVELS.find((z) => z > zoom + 1e-9) ?? ZOOM_LEVELS[ZOOM_LEVELS.length - 1];
  return [...ZOOM_LEVELS].reverse().find((z) => z < zoom - 1e-9) ?? ZOOM_LEVELS[0];
}

/**
 * The zoom that fits an image into a box: the largest whole number when the image fits at 1:1
 * (so every image pixel is the same number of screen pixels), else the fraction that fits.
 */
export function fitZoom(imageWidth: number, imageHeight: number, boxWidth: number, boxHeight: number): number {
  if (imageWidth <= 0 || imageHeight <= 0 || boxWidth <= 0 || boxHeight <= 0) return 1;
  const exact = Math.min(boxWidth / imageWidth, boxHeight / imageHeight);
  return exact >= 1 ? Math.floor(exact) : exact;
}
