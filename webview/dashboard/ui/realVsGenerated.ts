/**
 * Real vs generated, as at the end of the lesson: the grid of real training images beside the
 * generated grid of the step under the cursor, and a strip of 8 generated images above 8 real
 * ones, enlarged by whole pixels.
 */
import type { SampleRef } from '../../../src/protocol/dashboardProtocol';
import { firstRowCells, gridDisplayWidth, stripScale } from '../model/gridLayout';
import type { RunData } from '../model/runData';
import { h, setChildren } from '../../common/dom';
import type { ImageCache } from './timeline';
import type { ThemeColors } from './theme';

const STRIP_GAP = 4;

export class RealVsGenerated {
  readonly element: HTMLElement;
  private readonly pair: HTMLElement;
  private readonly fake: HTMLImageElement;
  private readonly real: HTMLImageElement;
  private readonly fakeCaption: HTMLElement;
  private readonly strip: HTMLCanvasElement;
  private readonly stripBox: HTMLElement;
  private readonly note: HTMLElement;
  private sample: SampleRef | undefined;
  private realUri: string | null = null;
  private theme: ThemeColors | undefined;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly images: ImageCache) {
    this.fake = h('img', { class: 'grid-image', alt: 'Generated images', id: 'grid-generated' });
    this.real = h('img', { class: 'grid-image', alt: 'Real training images', id: 'grid-real' });
    this.fakeCaption = h('figcaption', { text: 'Generated' });
    for (const img of [this.fake, this.real]) img.addEventListener('load', () => this.layout());
    this.pair = h(
      'div',
      { class: 'grid-pair' },
      h('figure', {}, this.fake, this.fakeCaption),
      h('figure', {}, this.real, h('figcaption', { text: 'Real training images' })),
    );
    this.strip = h('canvas', { class: 'strip', id: 'strip', 'aria-label': '8 generated images above 8 real images' });
    this.stripBox = h('div', { class: 'strip-box' }, h('div', { class: 'strip-labels' }, h('span', { text: 'Generated' }), h('span', { text: 'Real' })), this.strip);
    this.note = h('div', { class: 'grid-placeholder' });
    this.element = h(
      'section',
      { class: 'card real-vs-generated', 'aria-label': 'Real vs generated' },
      h('header', { class: 'card-header' }, h('h2', { text: 'Real vs generated' }), h('span', { class: 'card-hint', text: 'Would you tell them apart? Convergence is judged by looking, not by the losses.' })),
      this.pair,
      this.stripBox,
      this.note,
    );
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.element);
  }

  /** Side of one image of the run's grids (its imageSize). */
  private cell = 32;

  render(run: RunData | undefined, gridStep: number | null, theme: ThemeColors): void {
    this.theme = theme;
    this.sample = run?.sampleAt(gridStep);
    this.realUri = run?.realGrid ?? null;
    this.cell = run?.info.imageSize ?? 32;
    const ready = !!this.sample && !!this.realUri;
    this.pair.hidden = !ready;
    this.stripBox.hidden = !ready;
    this.note.hidden = ready;
    this.note.textContent = !this.realUri ? 'The grid of real images appears when training starts.' : 'The first generated grid appears after step 0.';
    if (this.sample && this.fake.getAttribute('src') !== this.sample.uri) this.fake.setAttribute('src', this.sample.uri);
    if (this.realUri && this.real.getAttribute('src') !== this.realUri) this.real.setAttribute('src', this.realUri);
    if (this.sample) setChildren(this.fakeCaption, `Generated · step ${this.sample.step.toLocaleString('en-US')}`);
    this.layout();
  }

  private layout(): void {
    const available = this.element.clientWidth - 24;
    if (available <= 0) return;
    // Both grids at the same whole-pixel scale, side by side when they fit.
    const natural = this.real.naturalWidth || this.fake.naturalWidth;
    if (natural) {
      const each = Math.max(natural, (available - 16) / 2);
      const width = gridDisplayWidth(natural, Math.min(each, available), Infinity, 2);
      for (const img of [this.fake, this.real]) {
        img.style.width = `${width}px`;
        img.style.height = `${width}px`;
      }
    }
    void this.drawStrip(available - 90);
  }

  private async drawStrip(available: number): Promise<void> {
    const sample = this.sample;
    const realUri = this.realUri;
    if (!sample || !realUri || !this.theme) return;
    const [fake, real] = await Promise.all([this.images.loaded(sample.uri), this.images.loaded(realUri)]).catch(() => [undefined, undefined]);
    if (!fake || !real || sample !== this.sample) return;
    const cells = firstRowCells(Math.min(fake.naturalWidth, real.naturalWidth), 8, this.cell);
    if (cells.length === 0) return;
    const scale = stripScale(available, cells.length, cells[0].size, STRIP_GAP);
    const size = cells[0].size * scale;
    const dpr = devicePixelRatio || 1;
    const cssWidth = cells.length * size + (cells.length - 1) * STRIP_GAP;
    const cssHeight = 2 * size + STRIP_GAP;
    this.strip.style.width = `${cssWidth}px`;
    this.strip.style.height = `${cssHeight}px`;
    this.strip.width = Math.round(cssWidth * dpr);
    this.strip.height = Math.round(cssHeight * dpr);
    const ctx = this.strip.getContext('2d');
    if (!ctx) return;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.strip.width, this.strip.height);
    [fake, real].forEach((img, row) => {
      cells.forEach((cell, c) => {
        const x = Math.round((c * (size + STRIP_GAP)) * dpr);
        const y = Math.round(row * (size + STRIP_GAP) * dpr);
        ctx.drawImage(img, cell.x, cell.y, cell.size, cell.size, x, y, Math.round(size * dpr), Math.round(size * dpr));
      });
    });
    this.stripBox.style.setProperty('--cell', `${size}px`);
    this.strip.dataset.step = String(sample.step);
  }

  dispose(): void {
    this.resizeObserver.disconnect();
  }
}
