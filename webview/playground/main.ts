/**
 * The generator playground webview: a grid generated from a checkpoint (seeded latents or the
 * run's fixed noise, either BatchNorm mode), an interpolation strip between two samples, and a few
 * latent dimensions of one sample on sliders. The host (src/extension/playground) owns the
 * settings and the generator process; this page sends intents and draws what comes back.
 */
import '../common/elements';
import './playground.css';
import { decodeFloat32 } from '../../src/protocol/binary';
import { assertNever } from '../../src/protocol/experimentConfig';
import { cellAt, cellRect, composeGrid, GridGeometry, layoutGrid, PixelMapping, toPixels } from '../../src/protocol/gridLayout';
import { isValidSeed, MAX_SEED } from '../../src/protocol/latent';
import { formatEpochs } from '../../src/protocol/steps';
import {
  HostToPlayground,
  MAX_STRIP_STEPS,
  PlaygroundInfo,
  PlaygroundRestoreState,
  PlaygroundSettings,
  PlaygroundToHost,
  Problem,
  RenderKind,
  SLIDER_RANGE,
} from '../../src/protocol/playgroundProtocol';
import { h, problemBanner, setChildren } from '../common/dom';
import { vscodeApi } from '../common/vscodeApi';

const vscode = vscodeApi<PlaygroundToHost, PlaygroundRestoreState>();

let info: PlaygroundInfo | undefined;
let checkpointDir: string | undefined;
let settings: PlaygroundSettings | undefined;
/** The selected sample's latent vector before edits. */
let selection: { index: number; latent: number[] } | undefined;
let seq = 0;
/** When each change was sent (by sequence number), to measure input-to-drawn times. */
const sentAt = new Map<number, number>();
/** When each change actually left the webview (a slider position may wait for the previous frame). */
const postedAt = new Map<number, number>();
/** Per slider frame: sent to drawn. */
const roundTrips: number[] = [];
const frameTimes: number[] = [];
/** The generator's own time for each of those frames, and the time spent in the extension host and generator. */
const computeTimes: number[] = [];
const hostTimes: number[] = [];
let lastReportedFrames = 0;

/** The images of each kind as the host sends them (float32 NHWC), and the request that made them. */
interface Images {
  seq: number;
  values: Float32Array;
  total: number;
  columns: number;
  computeMs: number;
  /** Images received so far (a grid arrives in chunks). */
  received: number;
}
const images: Partial<Record<RenderKind, Images>> = {};
const busy: Record<RenderKind, boolean> = { grid: false, strip: false, single: false };

const app = document.getElementById('app')!;

// ---- controls ----

const titleEl = h('h1', { class: 'title' });
const subtitleEl = h('span', { class: 'subtitle' });
const saveButton = h('vscode-button', { secondary: true, icon: 'save', title: 'Save the grid as a PNG file' }, 'Save Grid…');
const exportButton = h('vscode-button', { secondary: true, icon: 'export', title: 'Export the generator as a TensorFlow.js model' }, 'Export Generator…');
const errors = h('div', { class: 'banners' });

const sourceSeed = h('vscode-radio', { name: 'source', value: 'seed', label: 'Random latents with seed' }, 'Random');
const sourceFixed = h('vscode-radio', { name: 'source', value: 'fixed', label: 'The run’s fixed noise' }, 'The run’s fixed noise');
const sourceGroup = h('vscode-radio-group', { 'aria-label': 'Latents' }, sourceSeed, sourceFixed);
const seedField = h('vscode-textfield', { type: 'number', min: 0, max: MAX_SEED, class: 'seed', 'aria-label': 'Seed', title: 'Seed (Enter applies)' });
const diceButton = h('vscode-toolbar-button', { icon: 'refresh', label: 'New random seed', title: 'New random seed' });
const countSelect = h('vscode-single-select', { class: 'count', 'aria-label': 'Batch size' });
for (const n of [1, 4, 16, 36, 64, 100, 144, 256]) countSelect.append(h('vscode-option', { value: String(n) }, `${n} images`));
const bnEval = h('vscode-radio', { name: 'bn', value: 'eval' }, 'Running statistics (eval)');
const bnTrain = h('vscode-radio', { name: 'bn', value: 'train' }, 'Batch statistics (train)');
const bnGroup = h('vscode-radio-group', { 'aria-label': 'BatchNorm' }, bnEval, bnTrain);
const mapFixed = h('vscode-radio', { name: 'mapping', value: 'fixed' }, 'Fixed: −1…1 → black…white');
const mapMinmax = h('vscode-radio', { name: 'mapping', value: 'minmax' }, 'Min-max of the batch');
const mapGroup = h('vscode-radio-group', { 'aria-label': 'Grey levels', title: 'Fixed: the same output is always the same grey. Min-max: stretched over the batch, as the sample grids.' }, mapFixed, mapMinmax);

const gridCanvas = h('canvas', { class: 'grid', 'data-testid': 'grid', tabindex: 0, 'aria-label': 'Generated grid' });
const gridFrame = h('div', { class: 'grid-frame' }, gridCanvas);
const gridStatus = h('div', { class: 'grid-status', 'data-testid': 'grid-status', role: 'status' });
const gridRing = h('vscode-progress-ring', { class: 'ring', hidden: true });
const gridHeading = h('h2', {}, 'Grid');

const singleCanvas = h('canvas', { class: 'single', 'data-testid': 'single', width: 32, height: 32 });
const singleHeading = h('h2', {});
const copyButton = h('vscode-button', { secondary: true, icon: 'copy', title: 'Copy this latent vector (with the slider edits) as a JSON array' }, 'Copy Latent');
const useAButton = h('vscode-button', { secondary: true, title: 'Interpolate from this sample' }, 'Use as A');
const useBButton = h('vscode-button', { secondary: true, title: 'Interpolate to this sample' }, 'Use as B');
const resetButton = h('vscode-button', { secondary: true, icon: 'discard', title: 'Back to the sample’s own latent' }, 'Reset');
const sliders = h('div', { class: 'sliders' });
const frameLabel = h('div', { class: 'frame-time', 'data-testid': 'frame-time' });

const stripCanvas = h('canvas', { class: 'strip', 'data-testid': 'strip' });
const stripRing = h('vscode-progress-ring', { class: 'ring', hidden: true });
const aField = h('vscode-textfield', { type: 'number', min: 0, class: 'index', 'aria-label': 'Sample A' });
const bField = h('vscode-textfield', { type: 'number', min: 0, class: 'index', 'aria-label': 'Sample B' });
const stepsField = h('vscode-textfield', { type: 'number', min: 2, max: MAX_STRIP_STEPS, class: 'index', 'aria-label': 'Images in the strip' });
const methodSpherical = h('vscode-radio', { name: 'method', value: 'spherical' }, 'Spherical');
const methodLinear = h('vscode-radio', { name: 'method', value: 'linear' }, 'Linear');
const methodGroup = h('vscode-radio-group', { 'aria-label': 'Interpolation' }, methodSpherical, methodLinear);
const footer = h('footer', { class: 'footer' });

function buildShell(): void {
  const controls = h(
    'section',
    { class: 'controls' },
    h('div', { class: 'control' }, h('vscode-label', {}, 'Latents'), sourceGroup, h('div', { class: 'row' }, h('span', { class: 'muted' }, 'Seed'), seedField, diceButton, countSelect)),
    h(
      'div',
      { class: 'control' },
      h('vscode-label', {}, 'BatchNorm in the grid'),
      bnGroup,
      h('p', { class: 'note' }, 'Eval: an image depends only on its latent. Train: this grid’s own statistics, as the run’s sample grids. The strip and the sliders always use eval.'),
    ),
    h('div', { class: 'control' }, h('vscode-label', {}, 'Grey levels'), mapGroup),
  );
  const gridSection = h('section', { class: 'grid-section' }, h('div', { class: 'section-head' }, gridHeading, gridRing), gridFrame, gridStatus);
  const selected = h(
    'section',
    { class: 'selected' },
    h('div', { class: 'section-head' }, singleHeading),
    h('div', { class: 'single-row' }, singleCanvas, h('div', { class: 'single-actions' }, copyButton, useAButton, useBButton, resetButton)),
    h('vscode-label', {}, 'Latent dimensions'),
    sliders,
    frameLabel,
  );
  const strip = h(
    'section',
    { class: 'strip-section' },
    h('div', { class: 'section-head' }, h('h2', {}, 'Interpolation'), stripRing),
    h('div', { class: 'row' }, h('span', {}, 'From A'), aField, h('span', {}, 'to B'), bField, h('span', {}, 'in'), stepsField, h('span', {}, 'images'), methodGroup),
    h('div', { class: 'strip-frame' }, stripCanvas),
  );
  setChildren(
    app,
    h('header', { class: 'toolbar' }, h('div', { class: 'titles' }, titleEl, subtitleEl), h('div', { class: 'actions' }, saveButton, exportButton)),
    errors,
    h('div', { class: 'layout' }, controls, h('div', { class: 'main' }, gridSection, selected, strip)),
    footer,
  );
  app.removeAttribute('aria-busy');
  wire();
}

// ---- sending ----

/** Sends a change; `inputAt` is when the user made it (for frame times). */
function update(patch: Partial<PlaygroundSettings>, inputAt = performance.now()): void {
  seq += 1;
  document.body.dataset.seq = String(seq);
  sentAt.set(seq, inputAt);
  postedAt.set(seq, performance.now());
  vscode.send({ type: 'update', patch, seq });
}

function valueOf(el: Element): string {
  return (el as HTMLElement & { value: string }).value;
}

function setValue(el: Element, value: string): void {
  const field = el as HTMLElement & { value: string };
  if (field.value !== value && document.activeElement !== el) field.value = value;
}

function wire(): void {
  sourceGroup.addEventListener('change', () => update({ source: (sourceFixed as HTMLElement & { checked: boolean }).checked ? 'fixed' : 'seed' }));
  const applySeed = () => {
    const seed = Number(valueOf(seedField));
    if (isValidSeed(seed)) update({ source: 'seed', seed });
    else showProblem({ message: `The seed must be a whole number from 0 to ${MAX_SEED}.` });
  };
  seedField.addEventListener('change', applySeed);
  seedField.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') applySeed();
  });
  diceButton.addEventListener('click', () => {
    seq += 1;
    document.body.dataset.seq = String(seq);
    sentAt.set(seq, performance.now());
    vscode.send({ type: 'randomSeed', seq });
  });
  countSelect.addEventListener('change', () => update({ source: 'seed', count: Number(valueOf(countSelect)) }));
  bnGroup.addEventListener('change', () => update({ batchNorm: (bnTrain as HTMLElement & { checked: boolean }).checked ? 'train' : 'eval' }));
  mapGroup.addEventListener('change', () => update({ mapping: (mapMinmax as HTMLElement & { checked: boolean }).checked ? 'minmax' : 'fixed' }));
  methodGroup.addEventListener('change', () => update({ method: (methodLinear as HTMLElement & { checked: boolean }).checked ? 'linear' : 'spherical' }));
  for (const [field, key] of [
    [aField, 'a'],
    [bField, 'b'],
    [stepsField, 'steps'],
  ] as const) {
    field.addEventListener('change', () => {
      const value = Number(valueOf(field));
      if (Number.isInteger(value)) update({ [key]: value });
    });
  }
  saveButton.addEventListener('click', () => vscode.send({ type: 'saveGrid' }));
  exportButton.addEventListener('click', () => vscode.send({ type: 'exportGenerator' }));
  copyButton.addEventListener('click', () => vscode.send({ type: 'copyLatent', target: { kind: 'edited' } }));
  useAButton.addEventListener('click', () => settings && update({ a: settings.selected }));
  useBButton.addEventListener('click', () => settings && update({ b: settings.selected }));
  resetButton.addEventListener('click', () => update({ edits: [] }));

  gridCanvas.addEventListener('mousemove', (event) => {
    const cell = gridCell(event);
    gridStatus.textContent = cell === undefined ? gridHint() : `Sample ${cell} — click to select it (sliders), Shift+click: interpolate from it (A), Alt+click: to it (B)`;
    gridCanvas.title = cell === undefined ? '' : `#${cell}`;
  });
  gridCanvas.addEventListener('mouseleave', () => (gridStatus.textContent = gridHint()));
  gridCanvas.addEventListener('click', (event) => {
    const cell = gridCell(event);
    if (cell === undefined) return;
    if (event.shiftKey) update({ a: cell });
    else if (event.altKey) update({ b: cell });
    else update({ selected: cell });
  });
  gridCanvas.addEventListener('contextmenu', (event) => {
    const cell = gridCell(event);
    if (cell === undefined) return;
    event.preventDefault();
    vscode.send({ type: 'copyLatent', target: { kind: 'sample', index: cell } });
  });
  new ResizeObserver(() => {
    layoutGridView();
    layoutStrip();
  }).observe(gridFrame);
}

function gridHint(): string {
  return 'Click a sample to edit it · Shift+click sets A, Alt+click sets B · right-click copies its latent';
}

// ---- drawing ----

function gridGeometryOf(kind: RenderKind): GridGeometry | undefined {
  const entry = images[kind];
  if (!entry || !info) return undefined;
  return layoutGrid(entry.total, info.imageSize, entry.columns);
}

function gridCell(event: MouseEvent): number | undefined {
  const g = gridGeometryOf('grid');
  if (!g) return undefined;
  const rect = gridCanvas.getBoundingClientRect();
  return cellAt(g, ((event.clientX - rect.left) / rect.width) * g.width, ((event.clientY - rect.top) / rect.height) * g.height);
}

/** Draws one-channel 8-bit pixels into a canvas of their size. */
function paint(canvas: HTMLCanvasElement, width: number, height: number, grey: Uint8Array): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(width, height);
  for (let i = 0; i < grey.length; i++) {
    data.data[i * 4] = grey[i];
    data.data[i * 4 + 1] = grey[i];
    data.data[i * 4 + 2] = grey[i];
    data.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}

function mapping(): PixelMapping {
  return settings?.mapping ?? 'fixed';
}

/** Paints the grid's pixels (when its images or the grey-level mapping change), then lays it out. */
function drawGrid(): void {
  const entry = images.grid;
  if (!entry || !info || !settings) return;
  const { pixels } = composeGrid(toPixels(entry.values, mapping()), info.imageSize, entry.columns);
  const g = layoutGrid(entry.total, info.imageSize, entry.columns);
  paint(gridCanvas, g.width, g.height, pixels);
  layoutGridView();
}

/** Zoom, marks and heading of the grid: cheap, done on every settings change. */
function layoutGridView(): void {
  const entry = images.grid;
  if (!entry || !info || !settings) return;
  const geometry = layoutGrid(entry.total, info.imageSize, entry.columns);
  // Scale by a whole number when possible, so every generated pixel is a square of screen pixels.
  const box = gridFrame.getBoundingClientRect();
  const fit = Math.min((box.width - 4) / geometry.width, (Math.max(280, window.innerHeight * 0.72) - 4) / geometry.height);
  const zoom = fit >= 1 ? Math.floor(fit) : fit;
  if (zoom !== gridZoom) {
    gridZoom = zoom;
    layoutStrip();
  }
  gridCanvas.style.width = `${Math.round(geometry.width * zoom)}px`;
  gridCanvas.style.height = `${Math.round(geometry.height * zoom)}px`;
  drawMarks(geometry, zoom);
  const source = settings.source === 'fixed' ? 'the run’s fixed noise' : `seed ${settings.seed}`;
  gridHeading.textContent = `Grid · ${entry.total} images · ${source} · ${settings.batchNorm === 'eval' ? 'running statistics' : 'batch statistics'}`;
}

/** Boxes for the selected sample and the interpolation endpoints. */
function drawMarks(g: GridGeometry, zoom: number): void {
  gridFrame.querySelectorAll('.mark').forEach((m) => m.remove());
  if (!settings) return;
  const marks: [number, string, string][] = [
    [settings.a, 'A', 'mark endpoint'],
    [settings.b, 'B', 'mark endpoint'],
    [settings.selected, '', 'mark selected'],
  ];
  for (const [index, label, cls] of marks) {
    if (index >= g.count) continue;
    const r = cellRect(g, index);
    const box = h('div', { class: cls }, label ? h('span', { class: 'tag' }, label) : null);
    box.style.left = `${r.x * zoom - 1}px`;
    box.style.top = `${r.y * zoom - 1}px`;
    box.style.width = `${r.size * zoom + 2}px`;
    box.style.height = `${r.size * zoom + 2}px`;
    gridFrame.append(box);
  }
}

function drawStrip(): void {
  const entry = images.strip;
  if (!entry || !info) return;
  const { geometry, pixels } = composeGrid(toPixels(entry.values, mapping()), info.imageSize, entry.total);
  paint(stripCanvas, geometry.width, geometry.height, pixels);
  layoutStrip();
}

/** Screen pixels per image pixel in the grid (and the strip). */
let gridZoom = 2;

function layoutStrip(): void {
  const entry = images.strip;
  if (!entry || !info) return;
  const geometry = layoutGrid(entry.total, info.imageSize, entry.total);
  // The grid's scale, so that the strip's images are as large as the grid's, unless it is too wide.
  const fit = (stripCanvas.parentElement!.clientWidth - 4) / geometry.width;
  const zoom = Math.min(gridZoom, fit >= 1 ? Math.floor(fit) : fit);
  stripCanvas.style.width = `${Math.round(geometry.width * zoom)}px`;
  stripCanvas.style.height = `${Math.round(geometry.height * zoom)}px`;
}

function drawSingle(): void {
  const entry = images.single;
  if (!entry || !info || !settings) return;
  paint(singleCanvas, info.imageSize, info.imageSize, toPixels(entry.values, 'fixed'));
  const edited = settings.edits.length > 0;
  singleHeading.textContent = `Sample ${settings.selected}${edited ? ' (edited)' : ''}`;
}

function drawAll(): void {
  drawGrid();
  drawStrip();
  drawSingle();
}

function renderSliders(): void {
  if (!settings || !info || !selection || selection.index !== settings.selected) return;
  const edits = new Map(settings.edits);
  const rows = settings.dims.map((dim, i) => {
    const original = selection!.latent[dim];
    const value = edits.get(dim) ?? original;
    const dimField = h('vscode-textfield', { type: 'number', min: 0, max: info!.latentSize - 1, value: String(dim), class: 'dim', 'aria-label': `Dimension of slider ${i + 1}` });
    const range = h('input', {
      type: 'range',
      min: -SLIDER_RANGE,
      max: SLIDER_RANGE,
      step: 0.01,
      value: String(value),
      'aria-label': `z[${dim}]`,
      'data-dim': dim,
      title: `z[${dim}]: ${value.toFixed(2)} (the sample’s own value: ${original.toFixed(2)})`,
    });
    const valueLabel = h('span', { class: `value${edits.has(dim) ? ' edited' : ''}` }, value.toFixed(2));
    range.addEventListener('input', () => {
      const v = Number(range.value);
      valueLabel.textContent = v.toFixed(2);
      valueLabel.classList.add('edited');
      const next = new Map(settings!.edits);
      next.set(dim, v);
      settings = { ...settings!, edits: [...next] };
      vscode.saveState({ checkpointDir: checkpointDir!, settings });
      singleHeading.textContent = `Sample ${settings.selected} (edited)`;
      sendSliderFrame(settings.edits, performance.now());
    });
    range.addEventListener('change', reportFrames);
    dimField.addEventListener('change', () => {
      const next = [...settings!.dims];
      next[i] = Number(valueOf(dimField));
      update({ dims: next });
    });
    return h('div', { class: 'slider-row' }, h('span', { class: 'dim-label' }, 'z['), dimField, h('span', { class: 'dim-label' }, ']'), range, valueLabel);
  });
  setChildren(sliders, ...rows);
}

/**
 * Slider moves, one frame in flight: while the image of one position is on its way, only the
 * newest position waits (sent when that image arrives). Nothing queues up behind a slow frame, and
 * each frame's time counts from the input event of the position it shows.
 */
const slider: { inFlight: number | undefined; sentAt: number; pending: { edits: [number, number][]; at: number } | undefined } = {
  inFlight: undefined,
  sentAt: 0,
  pending: undefined,
};

function sendSliderFrame(edits: [number, number][], at: number): void {
  // A frame that never came back (an error) must not block the slider for good.
  if (slider.inFlight !== undefined && performance.now() - slider.sentAt < 2000) {
    slider.pending = { edits, at };
    return;
  }
  slider.pending = undefined;
  seq += 1;
  document.body.dataset.seq = String(seq);
  sentAt.set(seq, at);
  postedAt.set(seq, performance.now());
  vscode.send({ type: 'slide', edits, seq });
  slider.inFlight = seq;
  slider.sentAt = performance.now();
}

function sliderFrameArrived(frameSeq: number): void {
  if (slider.inFlight === undefined || frameSeq < slider.inFlight) return;
  slider.inFlight = undefined;
  if (slider.pending) sendSliderFrame(slider.pending.edits, slider.pending.at);
}

function reportFrames(): void {
  const fresh = frameTimes.slice(lastReportedFrames);
  lastReportedFrames = frameTimes.length;
  if (fresh.length > 0) vscode.send({ type: 'frameTimes', kind: 'single', ms: fresh, renderMs: roundTrips.slice(-fresh.length) });
}

function renderSettings(): void {
  if (!settings || !info) return;
  const s = settings;
  (sourceSeed as HTMLElement & { checked: boolean }).checked = s.source === 'seed';
  (sourceFixed as HTMLElement & { checked: boolean }).checked = s.source === 'fixed';
  setValue(seedField, String(s.seed));
  setValue(countSelect, String(s.count));
  for (const el of [seedField, countSelect, diceButton]) el.toggleAttribute('disabled', s.source === 'fixed');
  (bnEval as HTMLElement & { checked: boolean }).checked = s.batchNorm === 'eval';
  (bnTrain as HTMLElement & { checked: boolean }).checked = s.batchNorm === 'train';
  (mapFixed as HTMLElement & { checked: boolean }).checked = s.mapping === 'fixed';
  (mapMinmax as HTMLElement & { checked: boolean }).checked = s.mapping === 'minmax';
  (methodSpherical as HTMLElement & { checked: boolean }).checked = s.method === 'spherical';
  (methodLinear as HTMLElement & { checked: boolean }).checked = s.method === 'linear';
  const last = (s.source === 'fixed' ? info.sampleCount : s.count) - 1;
  for (const [field, value] of [
    [aField, s.a],
    [bField, s.b],
    [stepsField, s.steps],
  ] as const) {
    setValue(field, String(value));
    if (field !== stepsField) field.setAttribute('max', String(last));
  }
}

function renderBusy(): void {
  gridRing.hidden = !busy.grid;
  stripRing.hidden = !busy.strip;
  gridFrame.classList.toggle('stale', busy.grid && (images.grid?.seq ?? 0) < seq);
}

function showProblem(problem: Problem): void {
  const banner = problemBanner(problem, 'error');
  const dismiss = h('vscode-toolbar-button', { icon: 'close', label: 'Dismiss', title: 'Dismiss' });
  dismiss.addEventListener('click', () => banner.remove());
  banner.append(dismiss);
  errors.append(banner);
}

function showFatal(problem: Problem): void {
  const retry = h('vscode-button', { icon: 'refresh' }, 'Try Again');
  retry.addEventListener('click', () => {
    setChildren(app, h('p', { class: 'loading' }, 'Loading the generator…'));
    vscode.send({ type: 'retry' });
  });
  setChildren(app, h('div', { class: 'fatal' }, problemBanner(problem, 'error'), h('div', { class: 'actions' }, retry)));
  app.removeAttribute('aria-busy');
  shellBuilt = false;
}

// ---- messages ----

let shellBuilt = false;

function onImages(message: Extract<HostToPlayground, { type: 'images' }>): void {
  if (!info) return;
  const perImage = info.imageSize * info.imageSize;
  const values = decodeFloat32(message.images);
  let entry = images[message.kind];
  // A chunk of an older request than the one shown is out of date.
  if (entry && message.seq < entry.seq) return;
  if (!entry || entry.seq !== message.seq || entry.total !== message.total || entry.columns !== message.columns) {
    const previous = entry;
    entry = { seq: message.seq, values: new Float32Array(message.total * perImage), total: message.total, columns: message.columns, computeMs: 0, received: 0 };
    // Keep the previous images visible until the new chunks replace them.
    if (previous && previous.total === message.total) entry.values.set(previous.values);
    images[message.kind] = entry;
  }
  entry.values.set(values, message.offset * perImage);
  entry.computeMs += message.computeMs;
  entry.received += values.length / perImage;
  // For tests and screen readers: which request is drawn, and whether all of it has arrived.
  const canvas = message.kind === 'grid' ? gridCanvas : message.kind === 'strip' ? stripCanvas : singleCanvas;
  canvas.dataset.seq = String(entry.seq);
  canvas.dataset.complete = String(entry.received >= entry.total);
  canvas.dataset.images = String(entry.total);
  if (message.kind === 'grid') drawGrid();
  else if (message.kind === 'strip') drawStrip();
  else drawSingle();
  if (message.kind === 'single') sliderFrameArrived(message.seq);
  const started = sentAt.get(message.seq);
  const posted = postedAt.get(message.seq);
  if (message.kind === 'single' && started !== undefined && posted !== undefined) {
    requestAnimationFrame(() => {
      const now = performance.now();
      const ms = now - started;
      frameTimes.push(ms);
      roundTrips.push(now - posted);
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
      frameLabel.textContent =
        `Frame: ${(now - posted).toFixed(0)} ms to render and show (median ${median(roundTrips.slice(-30)).toFixed(0)} ms), ` +
        `${ms.toFixed(0)} ms from the slider; generator ${message.computeMs.toFixed(0)} ms`;
      frameLabel.title =
        'Render and show: from sending the slider position to the new image on screen. From the slider: also counts the wait for the frame before it. The generator runs in its own process; the rest is messaging between this view, VS Code and that process.';
      frameLabel.dataset.frames = JSON.stringify(frameTimes.slice(-200).map((v) => Math.round(v)));
      frameLabel.dataset.rounds = JSON.stringify(roundTrips.slice(-200).map((v) => Math.round(v)));
      computeTimes.push(message.computeMs);
      hostTimes.push(message.hostMs);
      frameLabel.dataset.compute = JSON.stringify(computeTimes.slice(-200).map((v) => Math.round(v)));
      frameLabel.dataset.host = JSON.stringify(hostTimes.slice(-200).map((v) => Math.round(v)));
    });
    for (const key of [...sentAt.keys()]) if (key <= message.seq) sentAt.delete(key);
    for (const key of [...postedAt.keys()]) if (key <= message.seq) postedAt.delete(key);
  }
}

window.addEventListener('message', (event: MessageEvent<HostToPlayground>) => {
  const message = event.data;
  switch (message.type) {
    case 'loading':
      if (!shellBuilt) setChildren(app, h('p', { class: 'loading' }, message.message));
      return;
    case 'info':
      info = message.info;
      if (!shellBuilt) {
        buildShell();
        shellBuilt = true;
      }
      titleEl.textContent = `${info.runName}`;
      subtitleEl.textContent = `step ${info.step.toLocaleString('en-US')} · epoch ${formatEpochs(info.epoch)} · latent ${info.latentSize} · width ${info.featureSize}`;
      footer.textContent = `Checkpoint ${info.checkpointId} of ${info.runId} · ${info.backend}`;
      gridStatus.textContent = gridHint();
      return;
    case 'settings': {
      const selectionChanged = settings?.selected !== message.settings.selected;
      const dimsChanged = JSON.stringify(settings?.dims) !== JSON.stringify(message.settings.dims);
      const editsReset = (settings?.edits.length ?? 0) > 0 && message.settings.edits.length === 0;
      const mappingChanged = settings?.mapping !== message.settings.mapping;
      settings = message.settings;
      checkpointDir = message.checkpointDir;
      vscode.saveState({ checkpointDir, settings });
      renderSettings();
      if (selectionChanged || dimsChanged || editsReset) renderSliders();
      // Repaint only when the grey levels change; a slider frame must not redraw 256 images.
      if (mappingChanged) drawAll();
      else {
        layoutGridView();
        drawSingle();
      }
      return;
    }
    case 'selection':
      selection = { index: message.index, latent: message.latent };
      renderSliders();
      return;
    case 'images':
      onImages(message);
      return;
    case 'busy':
      busy[message.kind] = message.busy;
      renderBusy();
      return;
    case 'error':
      if (message.fatal) showFatal(message.problem);
      else showProblem(message.problem);
      return;
    default:
      assertNever(message);
  }
});

vscode.send({ type: 'ready' });
