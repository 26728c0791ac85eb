/**
 * The generator playground's page: the controls (latents, BatchNorm, grey levels), the grid, the
 * selected sample with its latent sliders, and the interpolation strip. It sends intents to the
 * host and draws what comes back; the bookkeeping is in model/playgroundState.ts.
 */
import { IMAGE_SIZE } from '../../../src/protocol/experimentConfig';
import { cellAt, cellRect, composeGrid, GridGeometry, layoutGrid, PixelMapping, toPixels } from '../../../src/protocol/gridLayout';
import { isValidSeed, MAX_SEED } from '../../../src/protocol/latent';
import {
  HostToPlayground,
  MAX_STRIP_STEPS,
  PlaygroundInfo,
  PlaygroundRestoreState,
  PlaygroundSettings,
  PlaygroundToHost,
  RenderKind,
  SLIDER_RANGE,
} from '../../../src/protocol/playgroundProtocol';
import type { Problem } from '../../../src/protocol/webviewCommon';
import { h, problemBanner, setChildren } from '../../common/dom';
import {
  GRID_HINT,
  gridHeading,
  Images,
  ImagesMessage,
  infoTexts,
  lastIndex,
  median,
  receiveImages,
  RequestClock,
  settingsChange,
  singleHeading,
  sliderRows,
  wholeZoom,
  withEdit,
} from '../model/playgroundState';

export interface PlaygroundHost {
  send(message: PlaygroundToHost): void;
  saveState(state: PlaygroundRestoreState): void;
}

const checked = (el: Element) => (el as HTMLElement & { checked: boolean }).checked;
const setChecked = (el: Element, value: boolean) => ((el as HTMLElement & { checked: boolean }).checked = value);

function valueOf(el: Element): string {
  return (el as HTMLElement & { value: string }).value;
}

function setValue(el: Element, value: string): void {
  const field = el as HTMLElement & { value: string };
  if (field.value !== value && document.activeElement !== el) field.value = value;
}

/** Draws 8-bit pixels (grey, or RGB interleaved when `channels` is 3) into a canvas of their size. */
function paint(canvas: HTMLCanvasElement, width: number, height: number, pixels: Uint8Array, channels = 1): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const data = ctx.createImageData(width, height);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    data.data[i * 4] = pixels[p];
    data.data[i * 4 + 1] = pixels[channels === 3 ? p + 1 : p];
    data.data[i * 4 + 2] = pixels[channels === 3 ? p + 2 : p];
    data.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}

export class PlaygroundView {
  private info: PlaygroundInfo | undefined;
  private checkpointDir: string | undefined;
  private settings: PlaygroundSettings | undefined;
  /** The selected sample's latent vector before edits. */
  private selection: { index: number; latent: number[] } | undefined;
  private readonly clock = new RequestClock(() => performance.now());
  private readonly images: Partial<Record<RenderKind, Images>> = {};
  private readonly busy: Record<RenderKind, boolean> = { grid: false, strip: false, single: false };
  private shellBuilt = false;
  /** Screen pixels per image pixel in the grid (and the strip). */
  private gridZoom = 2;

  private readonly titleEl = h('h1', { class: 'title' });
  private readonly subtitleEl = h('span', { class: 'subtitle' });
  private readonly saveButton = h('vscode-button', { secondary: true, icon: 'save', title: 'Save the grid as a PNG file' }, 'Save Grid…');
  private readonly exportButton = h('vscode-button', { secondary: true, icon: 'export', title: 'Export the generator as a TensorFlow.js model' }, 'Export Generator…');
  private readonly errors = h('div', { class: 'banners' });

  private readonly sourceSeed = h('vscode-radio', { name: 'source', value: 'seed', label: 'Random latents with seed' }, 'Random');
  private readonly sourceFixed = h('vscode-radio', { name: 'source', value: 'fixed', label: 'The run’s fixed noise' }, 'The run’s fixed noise');
  private readonly sourceGroup = h('vscode-radio-group', { 'aria-label': 'Latents' }, this.sourceSeed, this.sourceFixed);
  private readonly seedField = h('vscode-textfield', { type: 'number', min: 0, max: MAX_SEED, class: 'seed', 'aria-label': 'Seed', title: 'Seed (Enter applies)' });
  private readonly diceButton = h('vscode-toolbar-button', { icon: 'refresh', label: 'New random seed', title: 'New random seed' });
  private readonly countSelect = h('vscode-single-select', { class: 'count', 'aria-label': 'Batch size' });
  private readonly bnEval = h('vscode-radio', { name: 'bn', value: 'eval' }, 'Running statistics (eval)');
  private readonly bnTrain = h('vscode-radio', { name: 'bn', value: 'train' }, 'Batch statistics (train)');
  private readonly bnGroup = h('vscode-radio-group', { 'aria-label': 'BatchNorm' }, this.bnEval, this.bnTrain);
  private readonly mapFixed = h('vscode-radio', { name: 'mapping', value: 'fixed' }, 'Fixed: −1…1 → black…white');
  private readonly mapMinmax = h('vscode-radio', { name: 'mapping', value: 'minmax' }, 'Min-max of the batch');
  private readonly mapGroup = h(
    'vscode-radio-group',
    { 'aria-label': 'Grey levels', title: 'Fixed: the same output is always the same grey. Min-max: stretched over the batch, as the sample grids.' },
    this.mapFixed,
    this.mapMinmax,
  );

  private readonly gridCanvas = h('canvas', { class: 'grid', 'data-testid': 'grid', tabindex: 0, 'aria-label': 'Generated grid' });
  private readonly gridFrame = h('div', { class: 'grid-frame' }, this.gridCanvas);
  private readonly gridStatus = h('div', { class: 'grid-status', 'data-testid': 'grid-status', role: 'status' });
  private readonly gridRing = h('vscode-progress-ring', { class: 'ring', hidden: true });
  private readonly gridHeading = h('h2', {}, 'Grid');

  private readonly singleCanvas = h('canvas', { class: 'single', 'data-testid': 'single', width: IMAGE_SIZE, height: IMAGE_SIZE });
  private readonly singleHeading = h('h2', {});
  private readonly copyButton = h('vscode-button', { secondary: true, icon: 'copy', title: 'Copy this latent vector (with the slider edits) as a JSON array' }, 'Copy Latent');
  private readonly useAButton = h('vscode-button', { secondary: true, title: 'Interpolate from this sample' }, 'Use as A');
  private readonly useBButton = h('vscode-button', { secondary: true, title: 'Interpolate to this sample' }, 'Use as B');
  private readonly resetButton = h('vscode-button', { secondary: true, icon: 'discard', title: 'Back to the sample’s own latent' }, 'Reset');
  private readonly sliders = h('div', { class: 'sliders' });
  private readonly frameLabel = h('div', { class: 'frame-time', 'data-testid': 'frame-time' });

  private readonly stripCanvas = h('canvas', { class: 'strip', 'data-testid': 'strip' });
  private readonly stripRing = h('vscode-progress-ring', { class: 'ring', hidden: true });
  private readonly aField = h('vscode-textfield', { type: 'number', min: 0, class: 'index', 'aria-label': 'Sample A' });
  private readonly bField = h('vscode-textfield', { type: 'number', min: 0, class: 'index', 'aria-label': 'Sample B' });
  private readonly stepsField = h('vscode-textfield', { type: 'number', min: 2, max: MAX_STRIP_STEPS, class: 'index', 'aria-label': 'Images in the strip' });
  private readonly methodSpherical = h('vscode-radio', { name: 'method', value: 'spherical' }, 'Spherical');
  private readonly methodLinear = h('vscode-radio', { name: 'method', value: 'linear' }, 'Linear');
  private readonly methodGroup = h('vscode-radio-group', { 'aria-label': 'Interpolation' }, this.methodSpherical, this.methodLinear);
  private readonly footer = h('footer', { class: 'footer' });

  // A conditional generator: the class picker and the class interpolation (hidden otherwise).
  private readonly classSelect = h('vscode-single-select', { class: 'class-select', 'aria-label': 'Class', 'data-testid': 'class-select' });
  private readonly classControl = h(
    'div',
    { class: 'control', hidden: true },
    h('vscode-label', {}, 'Class'),
    this.classSelect,
    h('p', { class: 'note' }, 'A conditional generator: one row of 8 per class (the run’s grids), or every sample of one class.'),
  );
  private readonly stripModeSelect = h('vscode-single-select', { class: 'strip-mode', 'aria-label': 'What the strip interpolates', 'data-testid': 'strip-mode' });
  private readonly classASelect = h('vscode-single-select', { class: 'class-a', 'aria-label': 'Class A' });
  private readonly classBSelect = h('vscode-single-select', { class: 'class-b', 'aria-label': 'Class B' });
  private readonly classStripRow = h('div', { class: 'row', hidden: true }, this.stripModeSelect, h('span', { class: 'class-ab' }, 'from class', this.classASelect, 'to', this.classBSelect));
  private latentStripRow: HTMLElement | undefined;

  constructor(
    private readonly app: HTMLElement,
    private readonly host: PlaygroundHost,
  ) {
    for (const n of [1, 4, 16, 36, 64, 100, 144, 256]) this.countSelect.append(h('vscode-option', { value: String(n) }, `${n} images`));
  }

  /** Handles a message from the host. */
  onMessage(message: HostToPlayground): void {
    switch (message.type) {
      case 'loading':
        if (!this.shellBuilt) setChildren(this.app, h('p', { class: 'loading' }, message.message));
        return;
      case 'info':
        this.onInfo(message.info);
        return;
      case 'settings':
        this.onSettings(message.settings, message.checkpointDir);
        return;
      case 'selection':
        this.selection = { index: message.index, latent: message.latent };
        this.renderSliders();
        return;
      case 'images':
        this.onImages(message);
        return;
      case 'busy':
        this.busy[message.kind] = message.busy;
        this.renderBusy();
        return;
      case 'error':
        if (message.fatal) this.showFatal(message.problem);
        else this.showProblem(message.problem);
        return;
      default:
        message satisfies never;
    }
  }

  private onInfo(info: PlaygroundInfo): void {
    this.info = info;
    if (!this.shellBuilt) {
      this.buildShell();
      this.shellBuilt = true;
    }
    const texts = infoTexts(info);
    this.titleEl.textContent = texts.title;
    this.subtitleEl.textContent = texts.subtitle;
    this.footer.textContent = texts.footer;
    this.gridStatus.textContent = GRID_HINT;
    const names = info.classNames ?? [];
    this.classControl.hidden = names.length === 0;
    this.classStripRow.hidden = names.length === 0;
    if (names.length > 0 && this.classSelect.childElementCount === 0) {
      this.classSelect.append(h('vscode-option', { value: '-1' }, 'One row per class'), ...names.map((name, k) => h('vscode-option', { value: String(k) }, name)));
      for (const [mode, label] of [
        ['latents', 'Samples A → B'],
        ['classes', 'Selected sample: class A → class B'],
        ['everyClass', 'Selected sample under every class'],
      ]) {
        this.stripModeSelect.append(h('vscode-option', { value: mode }, label));
      }
      for (const select of [this.classASelect, this.classBSelect]) select.append(...names.map((name, k) => h('vscode-option', { value: String(k) }, name)));
    }
  }

  private onSettings(settings: PlaygroundSettings, checkpointDir: string): void {
    const change = settingsChange(this.settings, settings);
    this.settings = settings;
    this.checkpointDir = checkpointDir;
    this.host.saveState({ checkpointDir, settings });
    this.renderSettings();
    if (change.sliders) this.renderSliders();
    // Repaint only when the grey levels change; a slider frame must not redraw 256 images.
    if (change.repaint) this.drawAll();
    else {
      this.layoutGridView();
      this.drawSingle();
    }
  }

  private buildShell(): void {
    const controls = h(
      'section',
      { class: 'controls' },
      h('div', { class: 'control' }, h('vscode-label', {}, 'Latents'), this.sourceGroup, h('div', { class: 'row' }, h('span', { class: 'muted' }, 'Seed'), this.seedField, this.diceButton, this.countSelect)),
      h(
        'div',
        { class: 'control' },
        h('vscode-label', {}, 'BatchNorm in the grid'),
        this.bnGroup,
        h('p', { class: 'note' }, 'Eval: an image depends only on its latent. Train: this grid’s own statistics, as the run’s sample grids. The strip and the sliders always use eval.'),
      ),
      h('div', { class: 'control' }, h('vscode-label', {}, 'Grey levels'), this.mapGroup),
      this.classControl,
    );
    const gridSection = h('section', { class: 'grid-section' }, h('div', { class: 'section-head' }, this.gridHeading, this.gridRing), this.gridFrame, this.gridStatus);
    const selected = h(
      'section',
      { class: 'selected' },
      h('div', { class: 'section-head' }, this.singleHeading),
      h('div', { class: 'single-row' }, this.singleCanvas, h('div', { class: 'single-actions' }, this.copyButton, this.useAButton, this.useBButton, this.resetButton)),
      h('vscode-label', {}, 'Latent dimensions'),
      this.sliders,
      this.frameLabel,
    );
    const strip = h(
      'section',
      { class: 'strip-section' },
      h('div', { class: 'section-head' }, h('h2', {}, 'Interpolation'), this.stripRing),
      this.classStripRow,
      (this.latentStripRow = h(
        'div',
        { class: 'row' },
        h('span', {}, 'From A'),
        this.aField,
        h('span', {}, 'to B'),
        this.bField,
        h('span', {}, 'in'),
        this.stepsField,
        h('span', {}, 'images'),
        this.methodGroup,
      )),
      h('div', { class: 'strip-frame' }, this.stripCanvas),
    );
    setChildren(
      this.app,
      h('header', { class: 'toolbar' }, h('div', { class: 'titles' }, this.titleEl, this.subtitleEl), h('div', { class: 'actions' }, this.saveButton, this.exportButton)),
      this.errors,
      h('div', { class: 'layout' }, controls, h('div', { class: 'main' }, gridSection, selected, strip)),
      this.footer,
    );
    this.app.removeAttribute('aria-busy');
    this.wire();
  }

  // ---- sending ----

  /** Numbers a request; the page shows the newest number (for tests). */
  private stamp(seq: number): number {
    document.body.dataset.seq = String(seq);
    return seq;
  }

  /** Sends a change; `inputAt` is when the user made it (for frame times). */
  private update(patch: Partial<PlaygroundSettings>, inputAt = performance.now()): void {
    this.host.send({ type: 'update', patch, seq: this.stamp(this.clock.next(inputAt)) });
  }

  private sendSlide(frame: { edits: [number, number][]; seq: number } | undefined): void {
    if (frame) this.host.send({ type: 'slide', edits: frame.edits, seq: this.stamp(frame.seq) });
  }

  private wire(): void {
    this.sourceGroup.addEventListener('change', () => this.update({ source: checked(this.sourceFixed) ? 'fixed' : 'seed' }));
    const applySeed = () => {
      const seed = Number(valueOf(this.seedField));
      if (isValidSeed(seed)) this.update({ source: 'seed', seed });
      else this.showProblem({ message: `The seed must be a whole number from 0 to ${MAX_SEED}.` });
    };
    this.seedField.addEventListener('change', applySeed);
    this.seedField.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') applySeed();
    });
    this.diceButton.addEventListener('click', () => this.host.send({ type: 'randomSeed', seq: this.stamp(this.clock.nextUnposted()) }));
    this.countSelect.addEventListener('change', () => this.update({ source: 'seed', count: Number(valueOf(this.countSelect)) }));
    this.bnGroup.addEventListener('change', () => this.update({ batchNorm: checked(this.bnTrain) ? 'train' : 'eval' }));
    this.mapGroup.addEventListener('change', () => this.update({ mapping: checked(this.mapMinmax) ? 'minmax' : 'fixed' }));
    this.methodGroup.addEventListener('change', () => this.update({ method: checked(this.methodLinear) ? 'linear' : 'spherical' }));
    for (const [field, key] of [
      [this.aField, 'a'],
      [this.bField, 'b'],
      [this.stepsField, 'steps'],
    ] as const) {
      field.addEventListener('change', () => {
        const value = Number(valueOf(field));
        if (Number.isInteger(value)) this.update({ [key]: value });
      });
    }
    this.classSelect.addEventListener('change', () => this.update({ gridClass: Number(valueOf(this.classSelect)) }));
    this.stripModeSelect.addEventListener('change', () => this.update({ strip: valueOf(this.stripModeSelect) as PlaygroundSettings['strip'] }));
    this.classASelect.addEventListener('change', () => this.update({ classA: Number(valueOf(this.classASelect)) }));
    this.classBSelect.addEventListener('change', () => this.update({ classB: Number(valueOf(this.classBSelect)) }));
    this.saveButton.addEventListener('click', () => this.host.send({ type: 'saveGrid' }));
    this.exportButton.addEventListener('click', () => this.host.send({ type: 'exportGenerator' }));
    this.copyButton.addEventListener('click', () => this.host.send({ type: 'copyLatent', target: { kind: 'edited' } }));
    this.useAButton.addEventListener('click', () => this.settings && this.update({ a: this.settings.selected }));
    this.useBButton.addEventListener('click', () => this.settings && this.update({ b: this.settings.selected }));
    this.resetButton.addEventListener('click', () => this.update({ edits: [] }));

    const canvas = this.gridCanvas;
    canvas.addEventListener('mousemove', (event) => {
      const cell = this.gridCell(event);
      this.gridStatus.textContent = cell === undefined ? GRID_HINT : `Sample ${cell} — click to select it (sliders), Shift+click: interpolate from it (A), Alt+click: to it (B)`;
      canvas.title = cell === undefined ? '' : `#${cell}`;
    });
    canvas.addEventListener('mouseleave', () => (this.gridStatus.textContent = GRID_HINT));
    canvas.addEventListener('click', (event) => {
      const cell = this.gridCell(event);
      if (cell === undefined) return;
      if (event.shiftKey) this.update({ a: cell });
      else if (event.altKey) this.update({ b: cell });
      else this.update({ selected: cell });
    });
    canvas.addEventListener('contextmenu', (event) => {
      const cell = this.gridCell(event);
      if (cell === undefined) return;
      event.preventDefault();
      this.host.send({ type: 'copyLatent', target: { kind: 'sample', index: cell } });
    });
    new ResizeObserver(() => {
      this.layoutGridView();
      this.layoutStrip();
    }).observe(this.gridFrame);
  }

  // ---- drawing ----

  private gridCell(event: MouseEvent): number | undefined {
    const entry = this.images.grid;
    if (!entry || !this.info) return undefined;
    const g = layoutGrid(entry.total, this.info.imageSize, entry.columns);
    const rect = this.gridCanvas.getBoundingClientRect();
    return cellAt(g, ((event.clientX - rect.left) / rect.width) * g.width, ((event.clientY - rect.top) / rect.height) * g.height);
  }

  private mapping(): PixelMapping {
    return this.settings?.mapping ?? 'fixed';
  }

  /** Paints the grid's pixels (when its images or the grey-level mapping change), then lays it out. */
  private drawGrid(): void {
    const entry = this.images.grid;
    const info = this.info;
    if (!entry || !info || !this.settings) return;
    const channels = info.channels ?? 1;
    const { pixels } = composeGrid(toPixels(entry.values, this.mapping()), info.imageSize, entry.columns, undefined, channels);
    const g = layoutGrid(entry.total, info.imageSize, entry.columns);
    paint(this.gridCanvas, g.width, g.height, pixels, channels);
    this.layoutGridView();
  }

  /** Zoom, marks and heading of the grid: cheap, done on every settings change. */
  private layoutGridView(): void {
    const entry = this.images.grid;
    const info = this.info;
    const settings = this.settings;
    if (!entry || !info || !settings) return;
    const geometry = layoutGrid(entry.total, info.imageSize, entry.columns);
    // Scale by a whole number when possible, so every generated pixel is a square of screen pixels.
    const box = this.gridFrame.getBoundingClientRect();
    const zoom = wholeZoom(Math.min((box.width - 4) / geometry.width, (Math.max(280, window.innerHeight * 0.72) - 4) / geometry.height));
    if (zoom !== this.gridZoom) {
      this.gridZoom = zoom;
      this.layoutStrip();
    }
    this.gridCanvas.style.width = `${Math.round(geometry.width * zoom)}px`;
    this.gridCanvas.style.height = `${Math.round(geometry.height * zoom)}px`;
    this.drawMarks(geometry, zoom);
    this.gridHeading.textContent = gridHeading(settings, entry.total);
  }

  /** Boxes for the selected sample and the interpolation endpoints. */
  private drawMarks(g: GridGeometry, zoom: number): void {
    this.gridFrame.querySelectorAll('.mark').forEach((m) => m.remove());
    const settings = this.settings;
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
      this.gridFrame.append(box);
    }
  }

  private drawStrip(): void {
    const entry = this.images.strip;
    if (!entry || !this.info) return;
    const channels = this.info.channels ?? 1;
    const { geometry, pixels } = composeGrid(toPixels(entry.values, this.mapping()), this.info.imageSize, entry.total, undefined, channels);
    paint(this.stripCanvas, geometry.width, geometry.height, pixels, channels);
    this.layoutStrip();
  }

  private layoutStrip(): void {
    const entry = this.images.strip;
    if (!entry || !this.info) return;
    const geometry = layoutGrid(entry.total, this.info.imageSize, entry.total);
    // The grid's scale, so that the strip's images are as large as the grid's, unless it is too wide.
    const zoom = Math.min(this.gridZoom, wholeZoom((this.stripCanvas.parentElement!.clientWidth - 4) / geometry.width));
    this.stripCanvas.style.width = `${Math.round(geometry.width * zoom)}px`;
    this.stripCanvas.style.height = `${Math.round(geometry.height * zoom)}px`;
  }

  private drawSingle(): void {
    const entry = this.images.single;
    if (!entry || !this.info || !this.settings) return;
    paint(this.singleCanvas, this.info.imageSize, this.info.imageSize, toPixels(entry.values, 'fixed'), this.info.channels ?? 1);
    this.singleHeading.textContent = singleHeading(this.settings);
  }

  private drawAll(): void {
    this.drawGrid();
    this.drawStrip();
    this.drawSingle();
  }

  private renderSliders(): void {
    const info = this.info;
    if (!this.settings || !info) return;
    const rows = sliderRows(this.settings, this.selection);
    if (!rows) return;
    const elements = rows.map(({ dim, original, value, edited }, i) => {
      const dimField = h('vscode-textfield', { type: 'number', min: 0, max: info.latentSize - 1, value: String(dim), class: 'dim', 'aria-label': `Dimension of slider ${i + 1}` });
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
      const valueLabel = h('span', { class: `value${edited ? ' edited' : ''}` }, value.toFixed(2));
      range.addEventListener('input', () => {
        const v = Number(range.value);
        valueLabel.textContent = v.toFixed(2);
        valueLabel.classList.add('edited');
        const settings = withEdit(this.settings!, dim, v);
        this.settings = settings;
        this.host.saveState({ checkpointDir: this.checkpointDir!, settings });
        this.singleHeading.textContent = `Sample ${settings.selected} (edited)`;
        this.sendSlide(this.clock.slide(settings.edits, performance.now()));
      });
      range.addEventListener('change', () => this.reportFrames());
      dimField.addEventListener('change', () => {
        const next = [...this.settings!.dims];
        next[i] = Number(valueOf(dimField));
        this.update({ dims: next });
      });
      return h('div', { class: 'slider-row' }, h('span', { class: 'dim-label' }, 'z['), dimField, h('span', { class: 'dim-label' }, ']'), range, valueLabel);
    });
    setChildren(this.sliders, ...elements);
  }

  private reportFrames(): void {
    const fresh = this.clock.report();
    if (fresh) this.host.send({ type: 'frameTimes', kind: 'single', ...fresh });
  }

  private renderSettings(): void {
    const s = this.settings;
    const info = this.info;
    if (!s || !info) return;
    setChecked(this.sourceSeed, s.source === 'seed');
    setChecked(this.sourceFixed, s.source === 'fixed');
    setValue(this.seedField, String(s.seed));
    setValue(this.countSelect, String(s.count));
    for (const el of [this.seedField, this.countSelect, this.diceButton]) el.toggleAttribute('disabled', s.source === 'fixed');
    setChecked(this.bnEval, s.batchNorm === 'eval');
    setChecked(this.bnTrain, s.batchNorm === 'train');
    setChecked(this.mapFixed, s.mapping === 'fixed');
    setChecked(this.mapMinmax, s.mapping === 'minmax');
    if (info.classNames) {
      setValue(this.classSelect, String(s.gridClass));
      setValue(this.stripModeSelect, s.strip);
      setValue(this.classASelect, String(s.classA));
      setValue(this.classBSelect, String(s.classB));
      (this.classStripRow.querySelector('.class-ab') as HTMLElement).hidden = s.strip !== 'classes';
      if (this.latentStripRow) this.latentStripRow.hidden = s.strip === 'everyClass';
    }
    setChecked(this.methodSpherical, s.method === 'spherical');
    setChecked(this.methodLinear, s.method === 'linear');
    const last = lastIndex(s, info);
    for (const [field, value] of [
      [this.aField, s.a],
      [this.bField, s.b],
      [this.stepsField, s.steps],
    ] as const) {
      setValue(field, String(value));
      if (field !== this.stepsField) field.setAttribute('max', String(last));
    }
  }

  private renderBusy(): void {
    this.gridRing.hidden = !this.busy.grid;
    this.stripRing.hidden = !this.busy.strip;
    this.gridFrame.classList.toggle('stale', this.busy.grid && (this.images.grid?.seq ?? 0) < this.clock.seq);
  }

  private showProblem(problem: Problem): void {
    const banner = problemBanner(problem, 'error');
    const dismiss = h('vscode-toolbar-button', { icon: 'close', label: 'Dismiss', title: 'Dismiss' });
    dismiss.addEventListener('click', () => banner.remove());
    banner.append(dismiss);
    this.errors.append(banner);
  }

  private showFatal(problem: Problem): void {
    const retry = h('vscode-button', { icon: 'refresh' }, 'Try Again');
    retry.addEventListener('click', () => {
      setChildren(this.app, h('p', { class: 'loading' }, 'Loading the generator…'));
      this.host.send({ type: 'retry' });
    });
    setChildren(this.app, h('div', { class: 'fatal' }, problemBanner(problem, 'error'), h('div', { class: 'actions' }, retry)));
    this.app.removeAttribute('aria-busy');
    this.shellBuilt = false;
  }

  private onImages(message: ImagesMessage): void {
    if (!this.info) return;
    const entry = receiveImages(this.images, message, this.info.imageSize, this.info.channels ?? 1);
    if (!entry) return;
    // For tests and screen readers: which request is drawn, and whether all of it has arrived.
    const canvas = message.kind === 'grid' ? this.gridCanvas : message.kind === 'strip' ? this.stripCanvas : this.singleCanvas;
    canvas.dataset.seq = String(entry.seq);
    canvas.dataset.complete = String(entry.received >= entry.total);
    canvas.dataset.images = String(entry.total);
    if (message.kind === 'grid') this.drawGrid();
    else if (message.kind === 'strip') this.drawStrip();
    else this.drawSingle();
    if (message.kind !== 'single') return;
    this.sendSlide(this.clock.frameArrived(message.seq));
    const times = this.clock.takeTimes(message.seq);
    if (!times) return;
    requestAnimationFrame(() => this.showFrameTime(times, performance.now(), message));
  }

  private showFrameTime(times: { started: number; posted: number }, now: number, message: ImagesMessage): void {
    const clock = this.clock;
    clock.record(times, now, message.computeMs, message.hostMs);
    const label = this.frameLabel;
    label.textContent =
      `Frame: ${(now - times.posted).toFixed(0)} ms to render and show (median ${median(clock.roundTrips.slice(-30)).toFixed(0)} ms), ` +
      `${(now - times.started).toFixed(0)} ms from the slider; generator ${message.computeMs.toFixed(0)} ms`;
    label.title =
      'Render and show: from sending the slider position to the new image on screen. From the slider: also counts the wait for the frame before it. The generator runs in its own process; the rest is messaging between this view, VS Code and that process.';
    const last200 = (values: number[]) => JSON.stringify(values.slice(-200).map((v) => Math.round(v)));
    label.dataset.frames = last200(clock.frameTimes);
    label.dataset.rounds = last200(clock.roundTrips);
    label.dataset.compute = last200(clock.computeTimes);
    label.dataset.host = last200(clock.hostTimes);
  }
}
