/**
 * The grid inspector's page: toolbar (step slider with play, zoom, A/B comparison), the grid
 * pixel-exact at any zoom with the cell under the pointer, and the clicked cell enlarged beside its
 * history across training. It draws an InspectorState and turns clicks and keys into changes of it.
 */
import { cellAt, cellRect, GridGeometry } from '../../../src/protocol/gridLayout';
import { fitZoom, InspectorToHost, stepZoom } from '../../../src/protocol/inspectorProtocol';
import type { Problem } from '../../../src/protocol/webviewCommon';
import { h, isTyping, problemBanner, setChildren } from '../../common/dom';
import type { ImageCache } from '../imageCache';
import { clamp01, HINT_TEXT, InspectorAction, InspectorState, InspectorViewState, pixelText, shortcut } from '../model/inspectorState';
import { formatEpochs } from '../../../src/protocol/steps';

const PLAY_INTERVAL_MS = 350;

export interface InspectorHost {
  send(message: InspectorToHost): void;
  saveState(state: InspectorViewState): void;
}

type Pane = ReturnType<typeof makePane>;

function makePane(name: 'a' | 'b') {
  const caption = h('figcaption', { class: 'caption' });
  const img = h('img', { class: 'grid-image', alt: name === 'a' ? 'Sample grid' : 'Sample grid of the compared run', draggable: 'false' });
  const hoverBox = h('div', { class: 'cell-box hover', hidden: true });
  const selectedBox = h('div', { class: 'cell-box selected', hidden: true });
  // A conditional run's class names, beside the rows (placed by layout()).
  const rows = h('div', { class: 'row-labels', 'data-testid': `row-labels-${name}`, hidden: true });
  const frame = h('div', { class: 'frame' }, img, hoverBox, selectedBox, rows);
  const figure = h('figure', { class: `pane pane-${name}` }, caption, frame);
  return { figure, caption, img, hoverBox, selectedBox, frame, rows };
}

function toggleDisabled(el: Element, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}

export class InspectorView {
  private readonly runLabel = h('span', { class: 'run-name' });
  private readonly whereLabel = h('span', { class: 'where', 'data-testid': 'where' });
  private readonly liveBadge = h('vscode-badge', { class: 'live', variant: 'activity-bar-counter', title: 'The run is training: new grids appear as they are written' }, 'live');
  private readonly prevButton = h('vscode-toolbar-button', { icon: 'chevron-left', label: 'Previous grid (←)', title: 'Previous grid (←)' });
  private readonly playButton = h('vscode-toolbar-button', { icon: 'play', label: 'Play (Space)', title: 'Play (Space)', class: 'play' });
  private readonly nextButton = h('vscode-toolbar-button', { icon: 'chevron-right', label: 'Next grid (→)', title: 'Next grid (→)' });
  private readonly slider = h('input', { type: 'range', class: 'step-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Training step of the grid shown' });
  private readonly stepCount = h('span', { class: 'step-count' });
  private readonly realButton = h('vscode-toolbar-button', { icon: 'file-media', label: 'Training images', title: 'Show the real training images (R)', toggleable: true, class: 'real-toggle' }, 'Real');
  private readonly zoomOutButton = h('vscode-toolbar-button', { icon: 'zoom-out', label: 'Zoom out (-)', title: 'Zoom out (-)' });
  private readonly zoomLabel = h('span', { class: 'zoom-label', 'data-testid': 'zoom' });
  private readonly zoomInButton = h('vscode-toolbar-button', { icon: 'zoom-in', label: 'Zoom in (+)', title: 'Zoom in (+)' });
  private readonly fitButton = h('vscode-toolbar-button', { icon: 'screen-full', label: 'Fit to window (0)', title: 'Fit to window (0)', toggleable: true }, 'Fit');
  private readonly actualButton = h('vscode-toolbar-button', { icon: 'screen-normal', label: 'Actual size, 1:1 (1)', title: 'Actual size, 1:1 (1)' }, '1:1');
  private readonly compareSelect = h('vscode-single-select', { class: 'compare-run', 'aria-label': 'Compare with another run', title: 'Compare with another run at the nearest step' });
  private readonly modeSelect = h('vscode-single-select', { class: 'compare-mode', 'aria-label': 'Comparison layout' });
  private readonly banners = h('div', { class: 'banners' });
  private readonly viewport = h('div', { class: 'viewport', tabindex: 0, 'aria-label': 'Sample grid' });
  private readonly stage = h('div', { class: 'stage' });
  private readonly paneA = makePane('a');
  /** Pane A's image on a canvas, for the pixel readout. */
  private pixels: { src: string; ctx: CanvasRenderingContext2D } | undefined;
  private paneB: Pane | undefined;
  private wipeImage: HTMLImageElement | undefined;
  private wipeHandle: HTMLElement | undefined;
  private readonly detail = h('aside', { class: 'detail', hidden: true, 'aria-label': 'Selected sample' });
  private readonly status = h('div', { class: 'status', 'data-testid': 'status', role: 'status' });
  private built = false;
  private playTimer: number | undefined;
  private hovered: number | undefined;
  /** Natural size of the image in pane A, once loaded. */
  private shownSize: { width: number; height: number } | undefined;
  private renderToken = 0;

  constructor(
    private readonly app: HTMLElement,
    private readonly state: InspectorState,
    private readonly host: InspectorHost,
    private readonly cache: ImageCache,
  ) {
    this.modeSelect.append(h('vscode-option', { value: 'side' }, 'Side by side'), h('vscode-option', { value: 'wipe' }, 'Wipe'));
    this.viewport.append(this.stage);
    this.stage.append(this.paneA.figure);
  }

  get playing(): boolean {
    return this.playTimer !== undefined;
  }

  /** Builds the page on the first document, then draws; focuses the grid. */
  show(): void {
    if (!this.built) {
      this.built = true;
      this.buildShell();
      this.wire();
    }
    this.saveView();
    this.render();
    this.viewport.focus();
  }

  private buildShell(): void {
    const toolbar = h(
      'header',
      { class: 'toolbar' },
      h('div', { class: 'title' }, this.runLabel, this.liveBadge, this.whereLabel),
      h('div', { class: 'group stepper' }, this.prevButton, this.playButton, this.nextButton, this.slider, this.stepCount, this.realButton),
      h('div', { class: 'group zoom' }, this.zoomOutButton, this.zoomLabel, this.zoomInButton, this.fitButton, this.actualButton),
      h('div', { class: 'group compare' }, h('vscode-icon', { name: 'diff', title: 'Compare' }), this.compareSelect, this.modeSelect),
    );
    setChildren(this.app, toolbar, this.banners, h('div', { class: 'body' }, this.viewport, this.detail), this.status);
    this.app.removeAttribute('aria-busy');
  }

  /** The document cannot be shown: say why, offer VS Code's image preview. */
  showFatal(problem: Problem): void {
    const preview = h('vscode-button', { secondary: true, icon: 'file-media' }, 'Open with Image Preview');
    preview.addEventListener('click', () => this.host.send({ type: 'openWithImagePreview' }));
    setChildren(this.app, h('div', { class: 'fatal' }, problemBanner(problem, 'error'), h('div', { class: 'actions' }, preview)));
    this.app.removeAttribute('aria-busy');
  }

  saveView(): void {
    if (this.state.view) this.host.saveState(this.state.view);
  }

  private geometry(): GridGeometry | undefined {
    return this.shownSize ? this.state.geometryOf(this.shownSize.width, this.shownSize.height) : undefined;
  }

  // ---- rendering ----

  private zoomValue(): number {
    const view = this.state.view;
    if (!view || !this.shownSize) return 1;
    if (view.zoom !== 'fit') return view.zoom;
    const side = !!this.paneB;
    const gap = 24;
    const captionHeight = 28;
    const boxWidth = (this.viewport.clientWidth - 32 - (side ? gap : 0)) / (side ? 2 : 1);
    return fitZoom(this.shownSize.width, this.shownSize.height, boxWidth, this.viewport.clientHeight - 32 - captionHeight);
  }

  render(): void {
    const { doc, view, run, index } = this.state;
    if (!doc || !view || !this.built) return;
    const grids = run?.grids ?? [];
    this.runLabel.textContent = run ? run.name : doc.fileName;
    this.liveBadge.hidden = run?.status !== 'running';
    this.whereLabel.textContent = this.state.whereText();
    const hasSteps = grids.length > 0;
    for (const el of [this.prevButton, this.playButton, this.nextButton, this.slider]) toggleDisabled(el, !hasSteps || view.showReal);
    this.slider.max = String(Math.max(0, grids.length - 1));
    this.slider.value = String(Math.max(0, index));
    this.stepCount.textContent = hasSteps ? `${index + 1} / ${grids.length}` : '';
    this.realButton.hidden = !run?.real;
    (this.realButton as HTMLElement & { checked: boolean }).checked = view.showReal;
    this.playButton.setAttribute('icon', this.playing ? 'debug-pause' : 'play');
    this.playButton.setAttribute('title', this.playing ? 'Pause (Space)' : 'Play (Space)');
    (this.fitButton as HTMLElement & { checked: boolean }).checked = view.zoom === 'fit';

    this.renderCompareControls();
    void this.showImages();
    this.renderBanners();
  }

  private renderCompareControls(): void {
    const { view, runs, run, compare } = this.state;
    if (!view) return;
    const options = [h('vscode-option', { value: '' }, 'No comparison'), ...runs.map((r) => h('vscode-option', { value: r.key, description: r.description }, `Compare with ${r.name}`))];
    const wanted = runs.some((r) => r.key === view.compareDir) ? view.compareDir! : '';
    const signature = JSON.stringify(runs.map((r) => [r.key, r.name]));
    if (this.compareSelect.dataset.signature !== signature) {
      this.compareSelect.dataset.signature = signature;
      setChildren(this.compareSelect, ...options);
    }
    (this.compareSelect as HTMLElement & { value: string }).value = wanted;
    toggleDisabled(this.compareSelect, !run || runs.length === 0);
    this.compareSelect.title = runs.length === 0 ? 'No other run has sample grids to compare with' : 'Compare with another run at the nearest step';
    this.modeSelect.hidden = !compare;
    (this.modeSelect as HTMLElement & { value: string }).value = view.compareMode;
  }

  /** Loads the images of both panes (from the cache), then swaps them in together. */
  private async showImages(): Promise<void> {
    const { view, doc } = this.state;
    if (!view || !doc) return;
    const token = ++this.renderToken;
    const srcA = this.state.sourceA();
    const entryB = this.state.compareEntry();
    const mode = view.compareMode;
    const [imgA, imgB] = await Promise.all([
      srcA ? this.cache.load(srcA).catch(() => undefined) : Promise.resolve(undefined),
      entryB ? this.cache.load(entryB.src).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    if (token !== this.renderToken) return;
    const paneA = this.paneA;
    if (imgA) {
      if (paneA.img.getAttribute('src') !== srcA) paneA.img.src = srcA!;
      this.shownSize = { width: imgA.naturalWidth, height: imgA.naturalHeight };
    }
    paneA.figure.classList.toggle('failed', !imgA);

    // Pane B (side by side) or the wipe overlay exist only while comparing.
    const side = !!entryB && mode === 'side';
    const wipe = !!entryB && mode === 'wipe';
    if (side && !this.paneB) {
      this.paneB = makePane('b');
      this.stage.append(this.paneB.figure);
      this.attachPointer(this.paneB.frame);
    } else if (!side && this.paneB) {
      this.paneB.figure.remove();
      this.paneB = undefined;
    }
    if (wipe && !this.wipeImage) {
      this.wipeImage = h('img', { class: 'grid-image wipe-image', alt: 'Sample grid of the compared run', draggable: 'false' });
      this.wipeHandle = h('div', { class: 'wipe-handle', role: 'slider', 'aria-label': 'Wipe position', tabindex: 0 });
      paneA.frame.insertBefore(this.wipeImage, paneA.hoverBox);
      paneA.frame.append(this.wipeHandle);
      this.attachWipe(this.wipeHandle);
    } else if (!wipe && this.wipeImage) {
      this.wipeImage.remove();
      this.wipeHandle?.remove();
      this.wipeImage = undefined;
      this.wipeHandle = undefined;
    }
    if (this.paneB && entryB && imgB && this.paneB.img.getAttribute('src') !== entryB.src) this.paneB.img.src = entryB.src;
    if (this.wipeImage && entryB && imgB && this.wipeImage.getAttribute('src') !== entryB.src) this.wipeImage.src = entryB.src;
    this.paneB?.figure.classList.toggle('failed', !imgB);

    const captions = this.state.captions(entryB, mode);
    paneA.caption.textContent = captions.a;
    if (this.paneB) this.paneB.caption.textContent = captions.b;
    paneA.caption.hidden = !this.state.compare;
    this.layout();
    this.renderDetail();
  }

  /** Sizes images and cell boxes for the zoom. */
  private layout(): void {
    const view = this.state.view;
    if (!this.shownSize || !view) return;
    const zoom = this.zoomValue();
    const width = Math.round(this.shownSize.width * zoom);
    const height = Math.round(this.shownSize.height * zoom);
    for (const img of [this.paneA.img, this.paneB?.img, this.wipeImage]) {
      if (!img) continue;
      img.style.width = `${width}px`;
      img.style.height = `${height}px`;
    }
    for (const frame of [this.paneA.frame, this.paneB?.frame]) {
      if (!frame) continue;
      frame.style.width = `${width}px`;
      frame.style.height = `${height}px`;
    }
    this.stage.classList.toggle('pixelated', zoom >= 1);
    this.viewport.dataset.zoom = view.zoom === 'fit' ? 'fit' : String(view.zoom);
    this.zoomLabel.textContent = zoom >= 1 && Number.isInteger(zoom) ? `${zoom}×` : `${Math.round(zoom * 100)}%`;
    if (this.wipeImage && this.wipeHandle) {
      this.wipeImage.style.clipPath = `inset(0 0 0 ${(view.wipe * 100).toFixed(2)}%)`;
      this.wipeHandle.style.left = `${view.wipe * width}px`;
      this.wipeHandle.setAttribute('aria-valuenow', String(Math.round(view.wipe * 100)));
    }
    const g = this.geometry();
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
    for (const pane of [this.paneA, this.paneB]) {
      if (!pane) continue;
      placeBox(pane.hoverBox, this.hovered);
      placeBox(pane.selectedBox, view.selected);
    }
    this.placeRowLabels(g, zoom);
  }

  /** The class of each row of a conditional run's grid, at the height of the row's centre, left of the grid. */
  private placeRowLabels(g: GridGeometry | undefined, zoom: number): void {
    const names = this.rowNames(g);
    for (const pane of [this.paneA, this.paneB]) {
      if (!pane) continue;
      pane.rows.hidden = !names || !g;
      pane.figure.classList.toggle('with-rows', !!names && !!g);
      if (!names || !g) continue;
      if (pane.rows.childElementCount !== names.length) setChildren(pane.rows, ...names.map((name) => h('span', { class: 'row-label', text: name })));
      [...pane.rows.children].forEach((label, r) => ((label as HTMLElement).style.top = `${(g.padding + r * (g.imageSize + g.padding) + g.imageSize / 2) * zoom}px`));
    }
  }

  /** The run's row labels when they fit the grid shown (one per row); undefined otherwise. */
  private rowNames(g: GridGeometry | undefined): string[] | undefined {
    const names = this.state.run?.gridRows;
    return names && g && g.rows === names.length ? names : undefined;
  }

  renderBanners(): void {
    if (!this.built) return;
    setChildren(this.banners, ...this.state.banners().map((b) => problemBanner(b.problem, b.kind)));
  }

  // ---- the selected cell: enlarged, and its history over training ----

  private renderDetail(): void {
    const { view, doc, run, index } = this.state;
    if (!view || !doc) return;
    const g = this.geometry();
    if (view.selected === null || !g || view.selected >= g.count) {
      this.detail.hidden = true;
      return;
    }
    this.detail.hidden = false;
    const cell = view.selected;
    const rect = cellRect(g, cell);
    const row = Math.floor(cell / g.columns);
    const column = cell % g.columns;
    const close = h('vscode-toolbar-button', { icon: 'close', label: 'Close (Esc)', title: 'Close (Esc)' });
    close.addEventListener('click', () => this.select(null));
    const realShown = this.state.realShown;
    const title = realShown ? `Training image ${cell}` : `Sample ${cell}`;
    const enlarged = this.cellCanvas(this.state.sourceA(), rect, 'enlarged');
    const entryB = this.state.compareEntry();
    const pair = entryB
      ? h('div', { class: 'pair' }, h('figure', {}, enlarged, h('figcaption', {}, 'A')), h('figure', {}, this.cellCanvas(entryB.src, rect, 'enlarged'), h('figcaption', {}, 'B')))
      : enlarged;
    const step = this.state.currentStep();
    const children: (Node | null)[] = [
      h('header', {}, h('h2', {}, title), close),
      h('div', { class: 'detail-sub' }, `Row ${row}${this.rowNames(g) ? ` (${this.rowNames(g)![row]})` : ''}, column ${column}${realShown ? '' : step !== null ? ` · step ${step}` : ''}`),
      pair,
    ];
    if (realShown) {
      children.push(h('p', { class: 'note' }, 'A real training image: it is the same at every step.'));
    } else if (run && run.grids.length > 0) {
      const history = h('div', { class: 'history', 'data-testid': 'history' });
      run.grids.forEach((gridImage, i) => {
        const tile = h(
          'button',
          { class: `tile${i === index ? ' current' : ''}`, title: `Step ${gridImage.step} · epoch ${formatEpochs(gridImage.epoch)}` },
          this.cellCanvas(gridImage.src, rect, 'small'),
          h('span', {}, String(gridImage.step)),
        );
        tile.addEventListener('click', () => this.goTo(i));
        history.append(tile);
      });
      children.push(h('h3', {}, 'History'), h('p', { class: 'note' }, `The same latent vector (fixed noise #${cell}) after each step of training.`), history);
      const openPlayground = h('vscode-button', { secondary: true, icon: 'beaker', title: 'Open the generator playground on the checkpoint nearest this step' }, 'Open in Playground');
      openPlayground.addEventListener('click', () => this.host.send({ type: 'openPlayground', step: this.state.currentStep() ?? 0 }));
      children.push(h('div', { class: 'actions' }, openPlayground));
    }
    setChildren(this.detail, ...children);
    this.detail.querySelector('.tile.current')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  /** A canvas showing one cell of a grid image (drawn when the image is loaded), pixel-exact. */
  private cellCanvas(src: string | undefined, rect: { x: number; y: number; size: number }, size: 'enlarged' | 'small'): HTMLCanvasElement {
    const canvas = h('canvas', { class: `cell ${size}`, width: rect.size, height: rect.size });
    if (!src) return canvas;
    void this.cache.load(src).then(
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

  goTo(i: number): void {
    if (!this.state.goTo(i)) return;
    this.saveView();
    this.render();
  }

  private select(cell: number | null): void {
    if (!this.state.view) return;
    this.state.select(cell);
    this.saveView();
    this.layout();
    this.renderDetail();
  }

  private setZoom(zoom: number | 'fit', anchor?: { x: number; y: number }): void {
    const view = this.state.view;
    if (!view) return;
    const before = this.zoomValue();
    view.zoom = zoom;
    this.saveView();
    this.render();
    if (anchor && this.shownSize) {
      // Keep the grid pixel under the pointer in place.
      const after = this.zoomValue();
      const rect = this.viewport.getBoundingClientRect();
      const x = anchor.x - rect.left + this.viewport.scrollLeft;
      const y = anchor.y - rect.top + this.viewport.scrollTop;
      this.viewport.scrollLeft += x * (after / before) - x;
      this.viewport.scrollTop += y * (after / before) - y;
    }
  }

  private togglePlay(): void {
    const run = this.state.run;
    if (this.playTimer !== undefined) {
      window.clearInterval(this.playTimer);
      this.playTimer = undefined;
    } else if (run && run.grids.length > 1) {
      if (this.state.atLastGrid) this.goTo(0);
      this.playTimer = window.setInterval(() => {
        if (this.state.atLastGrid) {
          this.togglePlay();
          return;
        }
        this.goTo(this.state.index + 1);
      }, PLAY_INTERVAL_MS);
      // Load every grid now so that playing never waits.
      for (const g of run.grids) void this.cache.load(g.src).catch(() => undefined);
    }
    this.render();
  }

  private cellFromEvent(event: MouseEvent, frame: HTMLElement): number | undefined {
    const g = this.geometry();
    if (!g) return undefined;
    const rect = frame.getBoundingClientRect();
    const zoom = this.zoomValue();
    return cellAt(g, (event.clientX - rect.left) / zoom, (event.clientY - rect.top) / zoom);
  }

  /** The 8-bit value of pane A's image at a grid pixel (a canvas copy of the image, made once per image). */
  private pixelReadout(event: MouseEvent, frame: HTMLElement): string {
    const img = this.paneA.img;
    const src = img.getAttribute('src');
    if (!src || !img.complete || img.naturalWidth === 0) return '';
    const rect = frame.getBoundingClientRect();
    const zoom = this.zoomValue();
    const x = Math.floor((event.clientX - rect.left) / zoom);
    const y = Math.floor((event.clientY - rect.top) / zoom);
    if (x < 0 || y < 0 || x >= img.naturalWidth || y >= img.naturalHeight) return '';
    if (this.pixels?.src !== src) {
      const canvas = h('canvas', { width: img.naturalWidth, height: img.naturalHeight });
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return '';
      ctx.drawImage(img, 0, 0);
      this.pixels = { src, ctx };
    }
    try {
      const [r, g, b] = this.pixels.ctx.getImageData(x, y, 1, 1).data;
      return pixelText(x, y, r, g, b);
    } catch {
      return ''; // an image the canvas may not read
    }
  }

  private attachPointer(frame: HTMLElement): void {
    frame.addEventListener('mousemove', (event) => {
      const cell = this.cellFromEvent(event, frame);
      const pixel = cell === undefined ? '' : this.pixelReadout(event, frame);
      this.status.textContent = `${this.state.hoverText(cell, this.geometry())}${pixel ? ` · ${pixel}` : ''}`;
      if (cell === this.hovered) return;
      this.hovered = cell;
      frame.title = cell === undefined ? '' : `#${cell}`;
      this.layout();
    });
    frame.addEventListener('mouseleave', () => {
      this.hovered = undefined;
      this.status.textContent = HINT_TEXT;
      this.layout();
    });
    frame.addEventListener('click', (event) => {
      if ((event.target as HTMLElement).classList.contains('wipe-handle')) return;
      const cell = this.cellFromEvent(event, frame);
      if (cell !== undefined) this.select(cell);
    });
  }

  private attachWipe(handle: HTMLElement): void {
    const move = (event: PointerEvent) => {
      const view = this.state.view;
      if (!view) return;
      const rect = this.paneA.frame.getBoundingClientRect();
      view.wipe = clamp01((event.clientX - rect.left) / rect.width);
      this.layout();
    };
    handle.addEventListener('pointerdown', (event) => {
      handle.setPointerCapture(event.pointerId);
      handle.addEventListener('pointermove', move);
      event.stopPropagation();
    });
    handle.addEventListener('pointerup', (event) => {
      handle.releasePointerCapture(event.pointerId);
      handle.removeEventListener('pointermove', move);
      this.saveView();
    });
    handle.addEventListener('keydown', (event) => {
      const view = this.state.view;
      if (!view || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
      view.wipe = clamp01(view.wipe + (event.key === 'ArrowLeft' ? -0.05 : 0.05));
      event.stopPropagation();
      event.preventDefault();
      this.saveView();
      this.layout();
    });
  }

  private wire(): void {
    this.prevButton.addEventListener('click', () => this.goTo(this.state.index - 1));
    this.nextButton.addEventListener('click', () => this.goTo(this.state.index + 1));
    this.playButton.addEventListener('click', () => this.togglePlay());
    this.slider.addEventListener('input', () => this.goTo(Number(this.slider.value)));
    this.realButton.addEventListener('click', () => {
      const view = this.state.view;
      if (!view) return;
      view.showReal = !view.showReal;
      this.saveView();
      this.render();
    });
    this.zoomInButton.addEventListener('click', () => this.setZoom(stepZoom(this.zoomValue(), 1)));
    this.zoomOutButton.addEventListener('click', () => this.setZoom(stepZoom(this.zoomValue(), -1)));
    this.fitButton.addEventListener('click', () => this.setZoom('fit'));
    this.actualButton.addEventListener('click', () => this.setZoom(1));
    this.compareSelect.addEventListener('change', () => {
      const view = this.state.view;
      if (!view) return;
      view.compareDir = (this.compareSelect as HTMLElement & { value: string }).value || null;
      this.saveView();
      this.host.send({ type: 'compare', dir: view.compareDir });
    });
    this.modeSelect.addEventListener('change', () => {
      const view = this.state.view;
      if (!view) return;
      view.compareMode = (this.modeSelect as HTMLElement & { value: string }).value === 'wipe' ? 'wipe' : 'side';
      this.saveView();
      this.render();
    });
    this.attachPointer(this.paneA.frame);
    this.viewport.addEventListener(
      'wheel',
      (event) => {
        if (!event.ctrlKey && !event.metaKey) return;
        event.preventDefault();
        this.setZoom(stepZoom(this.zoomValue(), event.deltaY < 0 ? 1 : -1), { x: event.clientX, y: event.clientY });
      },
      { passive: false },
    );
    new ResizeObserver(() => {
      if (this.state.view?.zoom === 'fit') this.layout();
    }).observe(this.viewport);
    window.addEventListener('keydown', (event) => {
      if (isTyping(event) || event.altKey || event.ctrlKey || event.metaKey) return;
      const action = shortcut(event.key);
      if (!action) return;
      this.perform(action);
      event.preventDefault();
    });
    this.status.textContent = HINT_TEXT;
  }

  private perform(action: InspectorAction): void {
    switch (action.kind) {
      case 'zoom':
        return this.setZoom(stepZoom(this.zoomValue(), action.direction));
      case 'zoomTo':
        return this.setZoom(action.zoom);
      case 'step':
        return this.goTo(this.state.index + action.delta);
      case 'first':
        return this.goTo(0);
      case 'last':
        return this.goTo(Number.MAX_SAFE_INTEGER);
      case 'play':
        return this.togglePlay();
      case 'toggleReal':
        this.realButton.click();
        return;
      case 'closeSelection':
        if (this.state.view?.selected !== null) this.select(null);
        return;
      default:
        action satisfies never;
    }
  }
}
