/**
 * The grid inspector webview: a sample grid pixel-exact at any zoom, a step slider with play over
 * the run's grids, the cell under the pointer, a clicked cell enlarged beside its history across
 * training, and an A/B comparison (side by side or wipe) with another run at the nearest step.
 * The host (src/extension/inspector) sends the runs; everything else happens here.
 */
import '../common/elements';
import './inspector.css';
import { assertNever } from '../../src/protocol/experimentConfig';
import { cellAt, cellRect, detectGrid, GRID_PADDING, GridGeometry, layoutGrid } from '../../src/protocol/gridLayout';
import {
  fitZoom,
  HostToInspector,
  InspectorDocument,
  InspectorRun,
  InspectorToHost,
  nearestStepIndex,
  Problem,
  RunChoice,
  stepZoom,
} from '../../src/protocol/inspectorProtocol';
import { h, isTyping, problemBanner, setChildren } from '../common/dom';
import { vscodeApi } from '../common/vscodeApi';
import { ImageCache } from './imageCache';
import { formatEpochs } from '../../src/protocol/steps';

type CompareMode = 'side' | 'wipe';

/** What survives a reload of the webview (VS Code keeps it with the editor). */
interface ViewState {
  file: string;
  step: number | null;
  showReal: boolean;
  zoom: number | 'fit';
  selected: number | null;
  compareDir: string | null;
  compareMode: CompareMode;
  wipe: number;
}

const PLAY_INTERVAL_MS = 350;

const vscode = vscodeApi<InspectorToHost, ViewState>();
const cache = new ImageCache((src) => vscode.send({ type: 'gridFailed', src }));

let doc: InspectorDocument | undefined;
let run: InspectorRun | null = null;
let compare: InspectorRun | null = null;
let runs: RunChoice[] = [];
let view: ViewState | undefined;
/** Index into run.grids of the grid shown (when not showing the real images). */
let index = -1;
let playTimer: number | undefined;
let hovered: number | undefined;
const gridProblems = new Map<string, Problem>();
/** Natural size of the image in pane A, once loaded. */
let shownSize: { width: number; height: number } | undefined;

// ---- layout ----

const app = document.getElementById('app')!;
const runLabel = h('span', { class: 'run-name' });
const whereLabel = h('span', { class: 'where', 'data-testid': 'where' });
const liveBadge = h('vscode-badge', { class: 'live', variant: 'activity-bar-counter', title: 'The run is training: new grids appear as they are written' }, 'live');
const prevButton = h('vscode-toolbar-button', { icon: 'chevron-left', label: 'Previous grid (←)', title: 'Previous grid (←)' });
const playButton = h('vscode-toolbar-button', { icon: 'play', label: 'Play (Space)', title: 'Play (Space)', class: 'play' });
const nextButton = h('vscode-toolbar-button', { icon: 'chevron-right', label: 'Next grid (→)', title: 'Next grid (→)' });
const slider = h('input', { type: 'range', class: 'step-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Training step of the grid shown' });
const stepCount = h('span', { class: 'step-count' });
const realButton = h('vscode-toolbar-button', { icon: 'file-media', label: 'Training images', title: 'Show the real training images (R)', toggleable: true, class: 'real-toggle' }, 'Real');
const zoomOutButton = h('vscode-toolbar-button', { icon: 'zoom-out', label: 'Zoom out (-)', title: 'Zoom out (-)' });
const zoomLabel = h('span', { class: 'zoom-label', 'data-testid': 'zoom' });
const zoomInButton = h('vscode-toolbar-button', { icon: 'zoom-in', label: 'Zoom in (+)', title: 'Zoom in (+)' });
const fitButton = h('vscode-toolbar-button', { icon: 'screen-full', label: 'Fit to window (0)', title: 'Fit to window (0)', toggleable: true }, 'Fit');
const actualButton = h('vscode-toolbar-button', { icon: 'screen-normal', label: 'Actual size, 1:1 (1)', title: 'Actual size, 1:1 (1)' }, '1:1');
const compareSelect = h('vscode-single-select', { class: 'compare-run', 'aria-label': 'Compare with another run', title: 'Compare with another run at the nearest step' });
const modeSelect = h('vscode-single-select', { class: 'compare-mode', 'aria-label': 'Comparison layout' });
modeSelect.append(h('vscode-option', { value: 'side' }, 'Side by side'), h('vscode-option', { value: 'wipe' }, 'Wipe'));
const banners = h('div', { class: 'banners' });
const viewport = h('div', { class: 'viewport', tabindex: 0, 'aria-label': 'Sample grid' });
const stage = h('div', { class: 'stage' });
const paneA = makePane('a');
let paneB: ReturnType<typeof makePane> | undefined;
let wipeImage: HTMLImageElement | undefined;
let wipeHandle: HTMLElement | undefined;
const detail = h('aside', { class: 'detail', hidden: true, 'aria-label': 'Selected sample' });
const status = h('div', { class: 'status', 'data-testid': 'status', role: 'status' });

viewport.append(stage);
stage.append(paneA.figure);

function makePane(name: 'a' | 'b') {
  const caption = h('figcaption', { class: 'caption' });
  const img = h('img', { class: 'grid-image', alt: name === 'a' ? 'Sample grid' : 'Sample grid of the compared run', draggable: 'false' });
  const hoverBox = h('div', { class: 'cell-box hover', hidden: true });
  const selectedBox = h('div', { class: 'cell-box selected', hidden: true });
  const frame = h('div', { class: 'frame' }, img, hoverBox, selectedBox);
  const figure = h('figure', { class: `pane pane-${name}` }, caption, frame);
  return { figure, caption, img, hoverBox, selectedBox, frame };
}

function buildShell(): void {
  const toolbar = h(
    'header',
    { class: 'toolbar' },
    h('div', { class: 'title' }, runLabel, liveBadge, whereLabel),
    h('div', { class: 'group stepper' }, prevButton, playButton, nextButton, slider, stepCount, realButton),
    h('div', { class: 'group zoom' }, zoomOutButton, zoomLabel, zoomInButton, fitButton, actualButton),
    h('div', { class: 'group compare' }, h('vscode-icon', { name: 'diff', title: 'Compare' }), compareSelect, modeSelect),
  );
  setChildren(app, toolbar, banners, h('div', { class: 'body' }, viewport, detail), status);
  app.removeAttribute('aria-busy');
}

// ---- state ----

function saveView(): void {
  if (view) vscode.saveState(view);
}

function currentGrid() {
  return run && !view?.showReal && index >= 0 ? run.grids[index] : undefined;
}

function currentStep(): number | null {
  return currentGrid()?.step ?? (view?.showReal ? null : (doc?.step ?? null));
}

/** The image of pane A: a grid of the run, its real images, or the document itself. */
function sourceA(): string | undefined {
  if (!doc) return undefined;
  if (!run) return doc.src;
  if (view?.showReal) return run.real?.src;
  return currentGrid()?.src ?? doc.src;
}

function compareEntry(): { src: string; step: number | null; epoch: number | null; exact: boolean } | undefined {
  if (!compare) return undefined;
  if (view?.showReal) return compare.real ? { src: compare.real.src, step: null, epoch: null, exact: true } : undefined;
  const step = currentStep();
  if (step === null || compare.grids.length === 0) return undefined;
  const entry = compare.grids[nearestStepIndex(compare.grids, step)];
  return { src: entry.src, step: entry.step, epoch: entry.epoch, exact: entry.step === step };
}

/** How many images the grid in pane A holds, for finding its cells. */
function geometryOf(width: number, height: number): GridGeometry | undefined {
  const imageSize = run?.imageSize ?? 32;
  const count = run ? (view?.showReal ? run.realCount : run.sampleCount) : undefined;
  if (count !== undefined) return detectGrid(width, height, imageSize, count);
  // A grid outside a run: assume full rows of 32x32 images with make_grid's padding.
  const pitch = imageSize + GRID_PADDING;
  const columns = (width - GRID_PADDING) / pitch;
  const rows = (height - GRID_PADDING) / pitch;
  return Number.isInteger(columns) && Number.isInteger(rows) && columns > 0 && rows > 0 ? layoutGrid(columns * rows, imageSize, columns) : undefined;
}

function geometry(): GridGeometry | undefined {
  return shownSize ? geometryOf(shownSize.width, shownSize.height) : undefined;
}

// ---- rendering ----

function zoomValue(): number {
  if (!view || !shownSize) return 1;
  if (view.zoom !== 'fit') return view.zoom;
  const side = !!paneB;
  const gap = 24;
  const captionHeight = 28;
  const boxWidth = (viewport.clientWidth - 32 - (side ? gap : 0)) / (side ? 2 : 1);
  return fitZoom(shownSize.width, shownSize.height, boxWidth, viewport.clientHeight - 32 - captionHeight);
}

function render(): void {
  if (!doc || !view) return;
  const grids = run?.grids ?? [];
  const grid = currentGrid();
  runLabel.textContent = run ? run.name : doc.fileName;
  liveBadge.hidden = run?.status !== 'running';
  whereLabel.textContent = view.showReal || doc.kind === 'real' && !run
    ? 'Training images (real)'
    : grid
      ? `Step ${grid.step} · epoch ${formatEpochs(grid.epoch)}`
      : doc.step !== null
        ? `Step ${doc.step}${doc.epoch !== null ? ` · epoch ${formatEpochs(doc.epoch)}` : ''}`
        : doc.fileName;
  const hasSteps = grids.length > 0;
  for (const el of [prevButton, playButton, nextButton, slider]) toggleDisabled(el, !hasSteps || view.showReal);
  slider.max = String(Math.max(0, grids.length - 1));
  slider.value = String(Math.max(0, index));
  stepCount.textContent = hasSteps ? `${index + 1} / ${grids.length}` : '';
  realButton.hidden = !run?.real;
  (realButton as HTMLElement & { checked: boolean }).checked = view.showReal;
  playButton.setAttribute('icon', playTimer !== undefined ? 'debug-pause' : 'play');
  playButton.setAttribute('title', playTimer !== undefined ? 'Pause (Space)' : 'Play (Space)');
  (fitButton as HTMLElement & { checked: boolean }).checked = view.zoom === 'fit';

  renderCompareControls();
  void showImages();
  renderBanners();
}

function toggleDisabled(el: Element, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}

function renderCompareControls(): void {
  if (!view) return;
  const options = [h('vscode-option', { value: '' }, 'No comparison'), ...runs.map((r) => h('vscode-option', { value: r.dir, description: r.description }, `Compare with ${r.name}`))];
  const wanted = runs.some((r) => r.dir === view!.compareDir) ? view.compareDir! : '';
  const signature = JSON.stringify(runs.map((r) => [r.dir, r.name]));
  if (compareSelect.dataset.signature !== signature) {
    compareSelect.dataset.signature = signature;
    setChildren(compareSelect, ...options);
  }
  (compareSelect as HTMLElement & { value: string }).value = wanted;
  toggleDisabled(compareSelect, !run || runs.length === 0);
  compareSelect.title = runs.length === 0 ? 'No other run has sample grids to compare with' : 'Compare with another run at the nearest step';
  modeSelect.hidden = !compare;
  (modeSelect as HTMLElement & { value: string }).value = view.compareMode;
}

let renderToken = 0;

/** Loads the images of both panes (from the cache), then swaps them in together. */
async function showImages(): Promise<void> {
  if (!view || !doc) return;
  const token = ++renderToken;
  const srcA = sourceA();
  const entryB = compareEntry();
  const mode = view.compareMode;
  const [imgA, imgB] = await Promise.all([
    srcA ? cache.load(srcA).catch(() => undefined) : Promise.resolve(undefined),
    entryB ? cache.load(entryB.src).catch(() => undefined) : Promise.resolve(undefined),
  ]);
  if (token !== renderToken) return;
  if (imgA) {
    if (paneA.img.getAttribute('src') !== srcA) paneA.img.src = srcA!;
    shownSize = { width: imgA.naturalWidth, height: imgA.naturalHeight };
  }
  paneA.figure.classList.toggle('failed', !imgA);

  // Pane B (side by side) or the wipe overlay exist only while comparing.
  const side = !!entryB && mode === 'side';
  const wipe = !!entryB && mode === 'wipe';
  if (side && !paneB) {
    paneB = makePane('b');
    stage.append(paneB.figure);
    attachPointer(paneB.frame);
  } else if (!side && paneB) {
    paneB.figure.remove();
    paneB = undefined;
  }
  if (wipe && !wipeImage) {
    wipeImage = h('img', { class: 'grid-image wipe-image', alt: 'Sample grid of the compared run', draggable: 'false' });
    wipeHandle = h('div', { class: 'wipe-handle', role: 'slider', 'aria-label': 'Wipe position', tabindex: 0 });
    paneA.frame.insertBefore(wipeImage, paneA.hoverBox);
    paneA.frame.append(wipeHandle);
    attachWipe(wipeHandle);
  } else if (!wipe && wipeImage) {
    wipeImage.remove();
    wipeHandle?.remove();
    wipeImage = undefined;
    wipeHandle = undefined;
  }
  if (paneB && entryB && imgB && paneB.img.getAttribute('src') !== entryB.src) paneB.img.src = entryB.src;
  if (wipeImage && entryB && imgB && wipeImage.getAttribute('src') !== entryB.src) wipeImage.src = entryB.src;
  paneB?.figure.classList.toggle('failed', !imgB);

  const aName = run ? run.name : doc.fileName;
  const step = currentStep();
  const epoch = currentGrid()?.epoch ?? doc.epoch;
  const stepText = view.showReal ? 'training images' : step !== null ? `step ${step}${epoch !== null ? ` · epoch ${formatEpochs(epoch)}` : ''}` : '';
  paneA.caption.textContent = compare ? `A · ${aName}${stepText ? ` · ${stepText}` : ''}` : '';
  paneA.caption.hidden = !compare;
  const bText = entryB ? (view.showReal ? 'training images' : `step ${entryB.step} · epoch ${entryB.epoch === null ? '–' : formatEpochs(entryB.epoch)}${entryB.exact ? '' : ` (nearest to ${step})`}`) : 'no grids';
  if (paneB) paneB.caption.textContent = `B · ${compare?.name ?? ''} · ${bText}`;
  if (wipe) paneA.caption.textContent = `A · ${aName} · ${stepText}  |  B · ${compare?.name ?? ''} · ${bText}`;
  if (compare && !entryB) paneA.caption.textContent = `A · ${aName} · ${stepText}  —  ${compare.name} has no grid to compare yet`;
  paneA.caption.hidden = !compare;
  layout();
  renderDetail();
}

/** Sizes images and cell boxes for the zoom. */
function layout(): void {
  if (!shownSize || !view) return;
  const zoom = zoomValue();
  const width = Math.round(shownSize.width * zoom);
  const height = Math.round(shownSize.height * zoom);
  for (const img of [paneA.img, paneB?.img, wipeImage]) {
    if (!img) continue;
    img.style.width = `${width}px`;
    img.style.height = `${height}px`;
  }
  for (const frame of [paneA.frame, paneB?.frame]) {
    if (!frame) continue;
    frame.style.width = `${width}px`;
    frame.style.height = `${height}px`;
  }
  stage.classList.toggle('pixelated', zoom >= 1);
  viewport.dataset.zoom = view.zoom === 'fit' ? 'fit' : String(view.zoom);
  zoomLabel.textContent = zoom >= 1 && Number.isInteger(zoom) ? `${zoom}×` : `${Math.round(zoom * 100)}%`;
  if (wipeImage && wipeHandle) {
    wipeImage.style.clipPath = `inset(0 0 0 ${(view.wipe * 100).toFixed(2)}%)`;
    wipeHandle.style.left = `${view.wipe * width}px`;
    wipeHandle.setAttribute('aria-valuenow', String(Math.round(view.wipe * 100)));
  }
  const g = geometry();
  const placeBox = (box: HTMLElement, cell: number | null | undefined) => {
    if (!g || cell === null || cell === undefined || cell >= g.count) {
      box.hidden = true;
      return;
    }
    const r = cellRect(g, cell);
    box.hidden = false;
    box.style.left = `${r.x * zoom - 1}px`;
    box.style.top = `${r.y * zoom - 1}px`;
    box.style.width = `${r.size * zoom + 2}px`;
    box.style.height = `${r.size * zoom + 2}px`;
  };
  for (const pane of [paneA, paneB]) {
    if (!pane) continue;
    placeBox(pane.hoverBox, hovered);
    placeBox(pane.selectedBox, view.selected);
  }
}

function renderBanners(): void {
  if (!doc) return;
  const items: HTMLElement[] = [];
  if (doc.notice) items.push(problemBanner({ message: doc.notice }, 'info'));
  const srcs = new Set([sourceA(), compareEntry()?.src].filter(Boolean));
  for (const [src, problem] of gridProblems) if (srcs.has(src)) items.push(problemBanner(problem, 'error'));
  if (run && run.grids.length === 0 && !view?.showReal) items.push(problemBanner({ message: 'This run has no generated grids yet.', hint: 'The first one is written after the first training step.' }, 'info'));
  setChildren(banners, ...items);
}

// ---- the selected cell: enlarged, and its history over training ----

function renderDetail(): void {
  if (!view || !doc) return;
  const g = geometry();
  if (view.selected === null || !g || view.selected >= g.count) {
    detail.hidden = true;
    return;
  }
  detail.hidden = false;
  const cell = view.selected;
  const rect = cellRect(g, cell);
  const row = Math.floor(cell / g.columns);
  const column = cell % g.columns;
  const close = h('vscode-toolbar-button', { icon: 'close', label: 'Close (Esc)', title: 'Close (Esc)' });
  close.addEventListener('click', () => select(null));
  const realShown = view.showReal || (doc.kind === 'real' && !run);
  const title = realShown ? `Training image ${cell}` : `Sample ${cell}`;
  const enlarged = cellCanvas(sourceA(), rect, 'enlarged');
  const entryB = compareEntry();
  const pair = entryB ? h('div', { class: 'pair' }, h('figure', {}, enlarged, h('figcaption', {}, 'A')), h('figure', {}, cellCanvas(entryB.src, rect, 'enlarged'), h('figcaption', {}, 'B'))) : enlarged;
  const children: (Node | null)[] = [
    h('header', {}, h('h2', {}, title), close),
    h('div', { class: 'detail-sub' }, `Row ${row}, column ${column}${realShown ? '' : currentStep() !== null ? ` · step ${currentStep()}` : ''}`),
    pair,
  ];
  if (realShown) {
    children.push(h('p', { class: 'note' }, 'A real training image: it is the same at every step.'));
  } else if (run && run.grids.length > 0) {
    const history = h('div', { class: 'history', 'data-testid': 'history' });
    run.grids.forEach((gridImage, i) => {
      const tile = h('button', { class: `tile${i === index ? ' current' : ''}`, title: `Step ${gridImage.step} · epoch ${formatEpochs(gridImage.epoch)}` }, cellCanvas(gridImage.src, rect, 'small'), h('span', {}, String(gridImage.step)));
      tile.addEventListener('click', () => goTo(i));
      history.append(tile);
    });
    children.push(
      h('h3', {}, 'History'),
      h('p', { class: 'note' }, `The same latent vector (fixed noise #${cell}) after each step of training.`),
      history,
    );
    const openPlayground = h('vscode-button', { secondary: true, icon: 'beaker', title: 'Open the generator playground on the checkpoint nearest this step' }, 'Open in Playground');
    openPlayground.addEventListener('click', () => vscode.send({ type: 'openPlayground', step: currentStep() ?? 0 }));
    children.push(h('div', { class: 'actions' }, openPlayground));
  }
  setChildren(detail, ...children);
  detail.querySelector('.tile.current')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

/** A canvas showing one cell of a grid image (drawn when the image is loaded), pixel-exact. */
function cellCanvas(src: string | undefined, rect: { x: number; y: number; size: number }, size: 'enlarged' | 'small'): HTMLCanvasElement {
  const canvas = h('canvas', { class: `cell ${size}`, width: rect.size, height: rect.size });
  if (!src) return canvas;
  void cache.load(src).then(
    (img) => {
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(img, rect.x, rect.y, rect.size, rect.size, 0, 0, rect.size, rect.size);
    },
    () => canvas.classList.add('failed'),
  );
  return canvas;
}

// ---- interaction ----

function goTo(i: number): void {
  if (!run || !view || run.grids.length === 0) return;
  index = Math.min(run.grids.length - 1, Math.max(0, i));
  view.step = run.grids[index].step;
  view.showReal = false;
  saveView();
  render();
}

function select(cell: number | null): void {
  if (!view) return;
  view.selected = view.selected === cell ? null : cell;
  saveView();
  layout();
  renderDetail();
}

function setZoom(zoom: number | 'fit', anchor?: { x: number; y: number }): void {
  if (!view) return;
  const before = zoomValue();
  view.zoom = zoom;
  saveView();
  render();
  if (anchor && shownSize) {
    // Keep the grid pixel under the pointer in place.
    const after = zoomValue();
    const rect = viewport.getBoundingClientRect();
    const x = anchor.x - rect.left + viewport.scrollLeft;
    const y = anchor.y - rect.top + viewport.scrollTop;
    viewport.scrollLeft += x * (after / before) - x;
    viewport.scrollTop += y * (after / before) - y;
  }
}

function togglePlay(): void {
  if (playTimer !== undefined) {
    window.clearInterval(playTimer);
    playTimer = undefined;
  } else if (run && run.grids.length > 1) {
    if (index >= run.grids.length - 1) goTo(0);
    playTimer = window.setInterval(() => {
      if (!run || index >= run.grids.length - 1) {
        togglePlay();
        return;
      }
      goTo(index + 1);
    }, PLAY_INTERVAL_MS);
    // Load every grid now so that playing never waits.
    for (const g of run.grids) void cache.load(g.src).catch(() => undefined);
  }
  render();
}

function cellFromEvent(event: MouseEvent, frame: HTMLElement): number | undefined {
  const g = geometry();
  if (!g) return undefined;
  const rect = frame.getBoundingClientRect();
  const zoom = zoomValue();
  return cellAt(g, (event.clientX - rect.left) / zoom, (event.clientY - rect.top) / zoom);
}

function attachPointer(frame: HTMLElement): void {
  frame.addEventListener('mousemove', (event) => {
    const cell = cellFromEvent(event, frame);
    if (cell === hovered) return;
    hovered = cell;
    const g = geometry();
    status.textContent =
      cell === undefined || !g
        ? hintText()
        : `${view?.showReal ? 'Training image' : 'Sample'} ${cell} · row ${Math.floor(cell / g.columns)}, column ${cell % g.columns} — click to ${view?.selected === cell ? 'close' : 'see it enlarged with its history'}`;
    frame.title = cell === undefined ? '' : `#${cell}`;
    layout();
  });
  frame.addEventListener('mouseleave', () => {
    hovered = undefined;
    status.textContent = hintText();
    layout();
  });
  frame.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).classList.contains('wipe-handle')) return;
    const cell = cellFromEvent(event, frame);
    if (cell !== undefined) select(cell);
  });
}

function attachWipe(handle: HTMLElement): void {
  const move = (event: PointerEvent) => {
    if (!view) return;
    const rect = paneA.frame.getBoundingClientRect();
    view.wipe = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    layout();
  };
  handle.addEventListener('pointerdown', (event) => {
    handle.setPointerCapture(event.pointerId);
    handle.addEventListener('pointermove', move);
    event.stopPropagation();
  });
  handle.addEventListener('pointerup', (event) => {
    handle.releasePointerCapture(event.pointerId);
    handle.removeEventListener('pointermove', move);
    saveView();
  });
  handle.addEventListener('keydown', (event) => {
    if (!view || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
    view.wipe = Math.min(1, Math.max(0, view.wipe + (event.key === 'ArrowLeft' ? -0.05 : 0.05)));
    event.stopPropagation();
    event.preventDefault();
    saveView();
    layout();
  });
}

function hintText(): string {
  return 'Hover a cell for its index, click it for its history · ← → steps · Space plays · + − 0 1 zoom · R real images';
}

function wire(): void {
  prevButton.addEventListener('click', () => goTo(index - 1));
  nextButton.addEventListener('click', () => goTo(index + 1));
  playButton.addEventListener('click', togglePlay);
  slider.addEventListener('input', () => goTo(Number(slider.value)));
  realButton.addEventListener('click', () => {
    if (!view) return;
    view.showReal = !view.showReal;
    saveView();
    render();
  });
  zoomInButton.addEventListener('click', () => setZoom(stepZoom(zoomValue(), 1)));
  zoomOutButton.addEventListener('click', () => setZoom(stepZoom(zoomValue(), -1)));
  fitButton.addEventListener('click', () => setZoom('fit'));
  actualButton.addEventListener('click', () => setZoom(1));
  compareSelect.addEventListener('change', () => {
    if (!view) return;
    view.compareDir = (compareSelect as HTMLElement & { value: string }).value || null;
    saveView();
    vscode.send({ type: 'compare', dir: view.compareDir });
  });
  modeSelect.addEventListener('change', () => {
    if (!view) return;
    view.compareMode = (modeSelect as HTMLElement & { value: string }).value === 'wipe' ? 'wipe' : 'side';
    saveView();
    render();
  });
  attachPointer(paneA.frame);
  viewport.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      setZoom(stepZoom(zoomValue(), event.deltaY < 0 ? 1 : -1), { x: event.clientX, y: event.clientY });
    },
    { passive: false },
  );
  new ResizeObserver(() => {
    if (view?.zoom === 'fit') layout();
  }).observe(viewport);
  window.addEventListener('keydown', (event) => {
    if (isTyping(event) || event.altKey || event.ctrlKey || event.metaKey) return;
    const handled = shortcut(event.key);
    if (handled) event.preventDefault();
  });
  status.textContent = hintText();
}

function shortcut(key: string): boolean {
  switch (key) {
    case '+':
    case '=':
      setZoom(stepZoom(zoomValue(), 1));
      return true;
    case '-':
    case '_':
      setZoom(stepZoom(zoomValue(), -1));
      return true;
    case '0':
      setZoom('fit');
      return true;
    case '1':
      setZoom(1);
      return true;
    case 'ArrowLeft':
      goTo(index - 1);
      return true;
    case 'ArrowRight':
      goTo(index + 1);
      return true;
    case 'Home':
      goTo(0);
      return true;
    case 'End':
      goTo(Number.MAX_SAFE_INTEGER);
      return true;
    case ' ':
      togglePlay();
      return true;
    case 'r':
    case 'R':
      realButton.click();
      return true;
    case 'Escape':
      if (view?.selected !== null) select(null);
      return true;
    default:
      return false;
  }
}

// ---- messages from the host ----

function onInit(next: InspectorDocument, choices: RunChoice[]): void {
  const first = !doc;
  doc = next;
  run = next.run;
  runs = choices;
  const saved = vscode.state();
  if (!view) {
    view =
      saved && saved.file === next.file
        ? saved
        : { file: next.file, step: null, showReal: next.kind === 'real', zoom: 'fit', selected: null, compareDir: null, compareMode: 'side', wipe: 0.5 };
  }
  const grids = run?.grids ?? [];
  const wantedStep = view.step ?? next.step;
  index = grids.length === 0 ? -1 : wantedStep === null ? grids.length - 1 : nearestStepIndex(grids, wantedStep);
  if (first) {
    buildShell();
    wire();
  }
  saveView();
  render();
  if (view.compareDir) vscode.send({ type: 'compare', dir: view.compareDir });
  viewport.focus();
}

function onRun(next: InspectorRun): void {
  if (!view) return;
  const following = !!run && index === run.grids.length - 1;
  const step = currentGrid()?.step;
  run = next;
  cache.retain([...next.grids.map((g) => g.src), ...(next.real ? [next.real.src] : []), ...(compare?.grids.map((g) => g.src) ?? []), ...(compare?.real ? [compare.real.src] : [])]);
  if (next.grids.length === 0) index = -1;
  else if (following && playTimer === undefined) index = next.grids.length - 1;
  else index = step === undefined ? next.grids.length - 1 : nearestStepIndex(next.grids, step);
  render();
}

window.addEventListener('message', (event: MessageEvent<HostToInspector>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      onInit(message.document, message.runs);
      return;
    case 'run':
      onRun(message.run);
      return;
    case 'runs':
      runs = message.runs;
      if (doc) render();
      return;
    case 'compare':
      compare = message.run;
      if (view && !compare) view.compareDir = null;
      saveView();
      if (doc) render();
      return;
    case 'error':
      showFatal(message.problem);
      return;
    case 'gridProblem':
      gridProblems.set(message.src, message.problem);
      renderBanners();
      return;
    default:
      assertNever(message);
  }
});

function showFatal(problem: Problem): void {
  const preview = h('vscode-button', { secondary: true, icon: 'file-media' }, 'Open with Image Preview');
  preview.addEventListener('click', () => vscode.send({ type: 'openWithImagePreview' }));
  setChildren(app, h('div', { class: 'fatal' }, problemBanner(problem, 'error'), h('div', { class: 'actions' }, preview)));
  app.removeAttribute('aria-busy');
}

vscode.send({ type: 'ready' });
