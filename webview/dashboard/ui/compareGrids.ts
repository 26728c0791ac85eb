/**
 * Compare: the grids of the shown run and of every compared run at the same step, side by side
 * (each run's last grid at or before the step; its own step is written under it).
 */
import { gridDisplayWidth } from '../model/gridLayout';
import type { RunData } from '../model/runData';
import { h, setChildren } from '../../common/dom';
import { runPalette, ThemeColors } from './theme';

export class CompareGrids {
  readonly element: HTMLElement;
  private readonly row: HTMLElement;
  private readonly resizeObserver: ResizeObserver;

  constructor() {
    this.row = h('div', { class: 'compare-row' });
    this.element = h(
      'section',
      { class: 'card compare-grids', 'aria-label': 'Compared runs' },
      h('header', { class: 'card-header' }, h('h2', { text: 'Compare' }), h('span', { class: 'card-hint', text: 'Each run’s grid at the step under the cursor' })),
      this.row,
    );
    this.resizeObserver = new ResizeObserver(() => this.layout());
    this.resizeObserver.observe(this.row);
  }

  render(runs: RunData[], gridStep: number | null, theme: ThemeColors): void {
    this.element.hidden = runs.length < 2;
    if (runs.length < 2) return;
    const palette = runPalette(theme);
    // The step of the shown run's grid is the one every run is compared at.
    const step = runs[0].sampleAt(gridStep)?.step ?? null;
    const figures = runs.map((run, r) => {
      const sample = run.sampleAt(step);
      const swatch = h('span', { class: 'swatch' });
      swatch.style.borderColor = palette[r % palette.length];
      const title = h('figcaption', { class: 'compare-title' }, swatch, h('span', { text: run.info.name }));
      if (!sample) return h('figure', { class: 'compare-figure' }, title, h('div', { class: 'grid-placeholder', text: 'No grid yet' }));
      const img = h('img', { class: 'grid-image', alt: `Generated images of ${run.info.name}`, src: sample.uri, 'data-step': String(sample.step) });
      img.addEventListener('load', () => this.layout());
      const note = step !== null && sample.step !== step ? ` (its grid nearest before ${step.toLocaleString('en-US')})` : '';
      return h('figure', { class: 'compare-figure' }, title, img, h('div', { class: 'grid-caption', text: `step ${sample.step.toLocaleString('en-US')}${note}` }));
    });
    setChildren(this.row, ...figures);
    this.layout();
  }

  private layout(): void {
    const imgs = [...this.row.querySelectorAll<HTMLImageElement>('img.grid-image')];
    if (imgs.length === 0) return;
    const count = this.row.children.length;
    const available = Math.max(120, (this.row.clientWidth - 16 * (count - 1)) / count);
    for (const img of imgs) {
      if (!img.naturalWidth) continue;
      const width = gridDisplayWidth(img.naturalWidth, Math.max(available, Math.min(img.naturalWidth, this.row.clientWidth)), Infinity, 2);
      img.style.width = `${width}px`;
      img.style.height = `${width}px`;
    }
  }

  dispose(): void {
    this.resizeObserver.disconnect();
  }
}
