/**
 * What the grid inspector shows, without the DOM: the document, its run and the compared run, the
 * grid at the slider, the view state that survives a reload, the geometry of the grid shown, and the
 * texts of the captions. Pure and unit-tested (test/unit/inspector/inspectorState.test.ts); the UI
 * (ui/inspectorView.ts) draws it and main.ts wires the two to the host.
 */
import { IMAGE_SIZE } from '../../../src/protocol/experimentConfig';
import { detectGrid, GRID_PADDING, GridGeometry, layoutGrid } from '../../../src/protocol/gridLayout';
import { isFiniteNumber, isOneOf, isRecord } from '../../../src/protocol/guards';
import { InspectorDocument, InspectorRun, nearestStepIndex, ZOOM_LEVELS } from '../../../src/protocol/inspectorProtocol';
import type { Problem, RunChoice } from '../../../src/protocol/webviewCommon';
import { formatEpochs } from '../../../src/protocol/steps';

export const COMPARE_MODES = ['side', 'wipe'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** What survives a reload of the webview (VS Code keeps it with the editor). */
export interface InspectorViewState {
  file: string;
  step: number | null;
  showReal: boolean;
  zoom: number | 'fit';
  selected: number | null;
  compareDir: string | null;
  compareMode: CompareMode;
  wipe: number;
}

export function defaultViewState(doc: InspectorDocument): InspectorViewState {
  return { file: doc.file, step: null, showReal: doc.kind === 'real', zoom: 'fit', selected: null, compareDir: null, compareMode: 'side', wipe: 0.5 };
}

/** The saved view state when it belongs to this document; invalid fields fall back to their defaults. */
export function restoreViewState(saved: unknown, doc: InspectorDocument): InspectorViewState {
  const view = defaultViewState(doc);
  if (!isRecord(saved) || saved.file !== doc.file) return view;
  if (isFiniteNumber(saved.step) || saved.step === null) view.step = saved.step;
  if (typeof saved.showReal === 'boolean') view.showReal = saved.showReal;
  if (saved.zoom === 'fit' || (isFiniteNumber(saved.zoom) && saved.zoom > 0 && saved.zoom <= ZOOM_LEVELS[ZOOM_LEVELS.length - 1])) view.zoom = saved.zoom;
  if ((Number.isInteger(saved.selected) && (saved.selected as number) >= 0) || saved.selected === null) view.selected = saved.selected as number | null;
  if (typeof saved.compareDir === 'string' || saved.compareDir === null) view.compareDir = saved.compareDir || null;
  if (isOneOf(COMPARE_MODES, saved.compareMode)) view.compareMode = saved.compareMode;
  if (isFiniteNumber(saved.wipe)) view.wipe = clamp01(saved.wipe);
  return view;
}

export const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** The grid of the compared run shown beside (or under) pane A. */
export interface CompareEntry {
  src: string;
  step: number | null;
  epoch: number | null;
  /** The compared run has a grid at exactly this step (else it is the nearest). */
  exact: boolean;
}

export class InspectorState {
  doc: InspectorDocument | undefined;
  run: InspectorRun | null = null;
  compare: InspectorRun | null = null;
  runs: RunChoice[] = [];
  view: InspectorViewState | undefined;
  /** Index into run.grids of the grid shown (when not showing the real images). */
  index = -1;
  /** Diagnoses of grids the webview could not load, by src. */
  readonly gridProblems = new Map<string, Problem>();

  /** The host sent the document (first, or again after the file changed); `saved` is the webview's saved state. */
  init(doc: InspectorDocument, runs: RunChoice[], saved: unknown): void {
    this.doc = doc;
    this.run = doc.run;
    this.runs = runs;
    this.view ??= restoreViewState(saved, doc);
    const grids = this.run?.grids ?? [];
    const wantedStep = this.view.step ?? doc.step;
    this.index = grids.length === 0 ? -1 : wantedStep === null ? grids.length - 1 : nearestStepIndex(grids, wantedStep);
  }

  /**
   * The run changed on disk. The slider follows the newest grid when it was on the newest (unless
   * playing), else stays on the step it showed.
   */
  setRun(next: InspectorRun, playing: boolean): void {
    const following = !!this.run && this.index === this.run.grids.length - 1;
    const step = this.currentGrid()?.step;
    this.run = next;
    if (next.grids.length === 0) this.index = -1;
    else if (following && !playing) this.index = next.grids.length - 1;
    else this.index = step === undefined ? next.grids.length - 1 : nearestStepIndex(next.grids, step);
  }

  setCompare(run: InspectorRun | null): void {
    this.compare = run;
    if (this.view && !run) this.view.compareDir = null;
  }

  /** Every image the inspector may still show (the rest can leave the cache). */
  liveSources(): string[] {
    const of = (r: InspectorRun | null) => (r ? [...r.grids.map((g) => g.src), ...(r.real ? [r.real.src] : [])] : []);
    return [...of(this.run), ...of(this.compare)];
  }

  /** Shows grid `i` (clamped); false when there is no grid to show. */
  goTo(i: number): boolean {
    if (!this.run || !this.view || this.run.grids.length === 0) return false;
    this.index = Math.min(this.run.grids.length - 1, Math.max(0, i));
    this.view.step = this.run.grids[this.index].step;
    this.view.showReal = false;
    return true;
  }

  /** Selects a cell, or closes it when it is the one selected. */
  select(cell: number | null): void {
    if (this.view) this.view.selected = this.view.selected === cell ? null : cell;
  }

  /** Whether a play from here can advance (the last grid wraps to the first). */
  get atLastGrid(): boolean {
    return !this.run || this.index >= this.run.grids.length - 1;
  }

  currentGrid() {
    return this.run && !this.view?.showReal && this.index >= 0 ? this.run.grids[this.index] : undefined;
  }

  currentStep(): number | null {
    return this.currentGrid()?.step ?? (this.view?.showReal ? null : (this.doc?.step ?? null));
  }

  /** The image of pane A: a grid of the run, its real images, or the document itself. */
  sourceA(): string | undefined {
    if (!this.doc) return undefined;
    if (!this.run) return this.doc.src;
    if (this.view?.showReal) return this.run.real?.src;
    return this.currentGrid()?.src ?? this.doc.src;
  }

  /** The compared run's grid at the step shown (its real images when those are shown). */
  compareEntry(): CompareEntry | undefined {
    const compare = this.compare;
    if (!compare) return undefined;
    if (this.view?.showReal) return compare.real ? { src: compare.real.src, step: null, epoch: null, exact: true } : undefined;
    const step = this.currentStep();
    if (step === null || compare.grids.length === 0) return undefined;
    const entry = compare.grids[nearestStepIndex(compare.grids, step)];
    return { src: entry.src, step: entry.step, epoch: entry.epoch, exact: entry.step === step };
  }

  /** The cells of an image of this size in pane A (undefined when it is not a grid of whole cells). */
  geometryOf(width: number, height: number): GridGeometry | undefined {
    const run = this.run;
    const imageSize = run?.imageSize ?? IMAGE_SIZE;
    const count = run ? (this.view?.showReal ? run.realCount : run.sampleCount) : undefined;
    if (count !== undefined) return detectGrid(width, height, imageSize, count);
    // A grid outside a run: assume full rows of imageSize images with make_grid's padding.
    const pitch = imageSize + GRID_PADDING;
    const columns = (width - GRID_PADDING) / pitch;
    const rows = (height - GRID_PADDING) / pitch;
    return Number.isInteger(columns) && Number.isInteger(rows) && columns > 0 && rows > 0 ? layoutGrid(columns * rows, imageSize, columns) : undefined;
  }

  /** Real training images are shown (the toggle, or a real.grid.png outside a run). */
  get realShown(): boolean {
    return !!this.view?.showReal || (this.doc?.kind === 'real' && !this.run);
  }

  /** The toolbar's "where": the step and epoch shown, the real images, or the file name. */
  whereText(): string {
    const doc = this.doc;
    if (!doc) return '';
    const grid = this.currentGrid();
    if (this.realShown) return 'Training images (real)';
    if (grid) return `Step ${grid.step} · epoch ${formatEpochs(grid.epoch)}`;
    if (doc.step !== null) return `Step ${doc.step}${doc.epoch !== null ? ` · epoch ${formatEpochs(doc.epoch)}` : ''}`;
    return doc.fileName;
  }

  /** The captions of pane A and pane B while comparing (empty when not comparing). */
  captions(entryB: CompareEntry | undefined, mode: CompareMode): { a: string; b: string } {
    const doc = this.doc;
    const compare = this.compare;
    if (!doc || !compare) return { a: '', b: '' };
    const aName = this.run ? this.run.name : doc.fileName;
    const step = this.currentStep();
    const epoch = this.currentGrid()?.epoch ?? doc.epoch;
    const showReal = !!this.view?.showReal;
    const stepText = showReal ? 'training images' : step !== null ? `step ${step}${epoch !== null ? ` · epoch ${formatEpochs(epoch)}` : ''}` : '';
    const bText = entryB ? (showReal ? 'training images' : `step ${entryB.step} · epoch ${entryB.epoch === null ? '–' : formatEpochs(entryB.epoch)}${entryB.exact ? '' : ` (nearest to ${step})`}`) : 'no grids';
    const b = `B · ${compare.name} · ${bText}`;
    let a = `A · ${aName}${stepText ? ` · ${stepText}` : ''}`;
    if (entryB && mode === 'wipe') a = `A · ${aName} · ${stepText}  |  ${b}`;
    if (!entryB) a = `A · ${aName} · ${stepText}  —  ${compare.name} has no grid to compare yet`;
    return { a, b };
  }

  /** The problems to show above the grid: the document's notice, failed grids shown, a run without grids. */
  banners(): { problem: Problem; kind: 'error' | 'info' }[] {
    const doc = this.doc;
    if (!doc) return [];
    const items: { problem: Problem; kind: 'error' | 'info' }[] = [];
    if (doc.notice) items.push({ problem: { message: doc.notice }, kind: 'info' });
    const shown = new Set([this.sourceA(), this.compareEntry()?.src].filter(Boolean));
    for (const [src, problem] of this.gridProblems) if (shown.has(src)) items.push({ problem, kind: 'error' });
    if (this.run && this.run.grids.length === 0 && !this.view?.showReal) {
      items.push({ problem: { message: 'This run has no generated grids yet.', hint: 'The first one is written after the first training step.' }, kind: 'info' });
    }
    return items;
  }

  /** The status line for the cell under the pointer. */
  hoverText(cell: number | undefined, g: GridGeometry | undefined): string {
    if (cell === undefined || !g) return HINT_TEXT;
    const what = this.view?.showReal ? 'Training image' : 'Sample';
    return `${what} ${cell} · row ${Math.floor(cell / g.columns)}, column ${cell % g.columns} — click to ${this.view?.selected === cell ? 'close' : 'see it enlarged with its history'}`;
  }
}

/** The value of one grid pixel for the status line: "grey 128", or "RGB 255, 80, 80" in a colour grid. */
export function pixelText(x: number, y: number, r: number, g: number, b: number): string {
  return `pixel (${x}, ${y}): ${r === g && g === b ? `grey ${r}` : `RGB ${r}, ${g}, ${b}`}`;
}

export const HINT_TEXT = 'Hover a cell for its index, click it for its history · ← → steps · Space plays · + − 0 1 zoom · R real images';

/** What a key does in the inspector (outside text fields, without modifiers). */
export type InspectorAction =
  | { kind: 'zoom'; direction: 1 | -1 }
  | { kind: 'zoomTo'; zoom: number | 'fit' }
  | { kind: 'step'; delta: number }
  | { kind: 'first' }
  | { kind: 'last' }
  | { kind: 'play' }
  | { kind: 'toggleReal' }
  | { kind: 'closeSelection' };

export function shortcut(key: string): InspectorAction | undefined {
  switch (key) {
    case '+':
    case '=':
      return { kind: 'zoom', direction: 1 };
    case '-':
    case '_':
      return { kind: 'zoom', direction: -1 };
    case '0':
      return { kind: 'zoomTo', zoom: 'fit' };
    case '1':
      return { kind: 'zoomTo', zoom: 1 };
    case 'ArrowLeft':
      return { kind: 'step', delta: -1 };
    case 'ArrowRight':
      return { kind: 'step', delta: 1 };
    case 'Home':
      return { kind: 'first' };
    case 'End':
      return { kind: 'last' };
    case ' ':
      return { kind: 'play' };
    case 'r':
    case 'R':
      return { kind: 'toggleReal' };
    case 'Escape':
      return { kind: 'closeSelection' };
    default:
      return undefined;
  }
}
