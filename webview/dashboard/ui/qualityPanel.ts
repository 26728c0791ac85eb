/**
 * The "Sample quality" card: FID-FMNIST, KID and precision/recall over steps (the shown run solid,
 * compared runs in their palette colours), red markers where the mode-collapse alarm was raised,
 * and a class-coverage strip: one column per evaluated step, one cell per class, darker for a
 * larger share of the generated images.
 */
import uPlot from 'uplot';
import type { RunData } from '../model/runData';
import { alignQuality, byStep, cellAlpha, QualityMetric, qualityHeadline } from '../model/quality';
import { withAlpha } from '../model/color';
import { h, setChildren } from '../../common/dom';
import { runPalette, ThemeColors } from './theme';

interface PlotSpec {
  id: string;
  title: string;
  metrics: { metric: QualityMetric; label: string; color: (t: ThemeColors) => string }[];
  range?: [number, number];
}

const PLOTS: PlotSpec[] = [
  { id: 'fid', title: 'FID-FMNIST (lower is better)', metrics: [{ metric: 'fid', label: 'FID', color: (t) => t.blue }] },
  { id: 'kid', title: 'KID (lower is better)', metrics: [{ metric: 'kid', label: 'KID', color: (t) => t.purple }] },
  {
    id: 'pr',
    title: 'Precision / recall (k = 3)',
    metrics: [
      { metric: 'precision', label: 'precision', color: (t) => t.green },
      { metric: 'recall', label: 'recall', color: (t) => t.orange },
    ],
    range: [0, 1],
  },
];

const HEIGHT = 150;
const CELL = 12;

export class QualityPanel {
  readonly element: HTMLElement;
  private readonly headline = h('span', { class: 'card-hint quality-headline', id: 'quality-headline' });
  private readonly plotsHost = h('div', { class: 'quality-plots' });
  private readonly strip = h('div', { class: 'coverage-strip', id: 'coverage-strip' });
  private readonly empty = h('div', {
    class: 'grid-placeholder',
    text: 'Not evaluated yet. Training measures quality every evalEvery steps from evalAfter on and at the end (experiment settings); for older runs use “Evaluate Checkpoint” on a checkpoint.',
  });
  private plots: uPlot[] = [];
  private last: { runs: RunData[]; theme: ThemeColors } | undefined;
  private width = 0;

  constructor() {
    this.element = h(
      'section',
      { class: 'card quality', id: 'quality-card', 'aria-label': 'Sample quality' },
      h(
        'div',
        { class: 'card-header' },
        h('h2', { text: 'Sample quality' }),
        h('span', { class: 'card-hint', text: 'on GAN Studio’s FashionMNIST evaluator: not comparable with Inception-FID' }),
        h('span', { class: 'spacer' }),
        this.headline,
      ),
      this.empty,
      this.plotsHost,
      this.strip,
    );
    new ResizeObserver(() => {
      const w = this.plotsHost.clientWidth;
      if (w > 0 && Math.abs(w - this.width) > 2 && this.last) this.render(this.last.runs, this.last.theme);
    }).observe(this.plotsHost);
  }

  render(runs: RunData[], theme: ThemeColors): void {
    this.last = { runs, theme };
    for (const p of this.plots) p.destroy();
    this.plots = [];
    setChildren(this.plotsHost);
    const evaluated = runs.some((r) => r.quality.length > 0);
    this.empty.hidden = evaluated;
    this.plotsHost.hidden = !evaluated;
    this.strip.hidden = !evaluated;
    const main = runs[0];
    const head = main ? qualityHeadline(main.quality) : undefined;
    this.headline.textContent = head
      ? `best FID ${head.best.fid.toFixed(2)} @ ${head.best.step} · latest ${head.latest.fid.toFixed(2)}, coverage ${head.latest.coverage.entropy.toFixed(2)}${head.latest.alarm ? ' · ⚠ mode collapse?' : ''}`
      : '';
    this.headline.classList.toggle('alarm', !!head?.latest.alarm);
    if (!evaluated) return;
    const aligned = alignQuality(runs.map((r) => r.quality));
    this.width = this.plotsHost.clientWidth;
    const compare = runs.length > 1;
    const palette = runPalette(theme);
    const width = Math.max(160, this.width >= 720 ? Math.floor((this.width - 24) / 3) : this.width);
    for (const spec of PLOTS) {
      const series: uPlot.Series[] = [];
      const data: (number | null)[][] = [];
      runs.forEach((run, r) => {
        spec.metrics.forEach((m, l) => {
          const color = compare ? palette[r % palette.length] : m.color(theme);
          series.push({ label: `${m.label}${compare ? ` · ${run.info.name}` : ''}`, stroke: color, width: 1.5, dash: l > 0 || (compare && r > 0 && spec.metrics.length === 1) ? [5, 4] : undefined, spanGaps: true, points: { show: true, size: 5 } });
          data.push(aligned.runs[r][m.metric]);
        });
      });
      // Alarms: red points on the first metric of each run.
      runs.forEach((_run, r) => {
        const first = aligned.runs[r][spec.metrics[0].metric];
        series.push({ label: 'alarm', stroke: theme.red, width: 0, points: { show: true, size: 9, fill: theme.red, stroke: theme.red }, paths: () => null });
        data.push(first.map((v, i) => (aligned.alarms[r][i] ? v : null)));
      });
      const axis = (label?: string): uPlot.Axis => ({ stroke: theme.muted, font: `${theme.fontSize - 2}px ${theme.fontFamily}`, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1, size: 3 }, label, labelSize: label ? 12 : 0, labelFont: `${theme.fontSize - 2}px ${theme.fontFamily}`, size: label ? 22 : 40, gap: 3 });
      // data-runs / data-evaluated: runs drawn and runs with evaluations (the compared ones overlaid), for tests.
      const host = h('div', { class: 'quality-plot', id: `quality-${spec.id}`, 'data-runs': String(runs.length), 'data-evaluated': String(runs.filter((r) => r.quality.length > 0).length) }, h('div', { class: 'quality-plot-title', text: spec.title }));
      this.plotsHost.append(host);
      const opts: uPlot.Options = {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 6 } },
        scales: { x: { time: false }, y: spec.range ? { range: spec.range } : { auto: true } },
        axes: [axis('step'), axis()],
        series: [{}, ...series],
      };
      this.plots.push(new uPlot(opts, [aligned.x, ...data] as uPlot.AlignedData, host));
    }
    this.renderStrip(runs[0], theme);
  }

  private renderStrip(run: RunData | undefined, theme: ThemeColors): void {
    setChildren(this.strip);
    if (!run) return;
    const records = byStep(run.quality);
    if (records.length === 0) return;
    const classes = records[records.length - 1].coverage.histogram.length;
    const canvas = h('canvas', { class: 'coverage-canvas', 'aria-label': 'Class coverage per evaluated step' }) as HTMLCanvasElement;
    const dpr = window.devicePixelRatio || 1;
    const w = records.length * (CELL + 1);
    const height = classes * CELL + 8;
    canvas.width = Math.ceil(w * dpr);
    canvas.height = Math.ceil(height * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(dpr, dpr);
    records.forEach((r, i) => {
      const x = i * (CELL + 1);
      r.coverage.histogram.forEach((share, c) => {
        ctx.fillStyle = withAlpha(theme.blue, 0.08 + 0.92 * cellAlpha(share, classes));
        ctx.fillRect(x, c * CELL, CELL, CELL - 1);
      });
      if (r.alarm) {
        ctx.fillStyle = theme.red;
        ctx.fillRect(x, classes * CELL + 2, CELL, 4);
      }
    });
    const last = records[records.length - 1];
    const names = h('div', { class: 'coverage-names' });
    last.coverage.histogram.forEach((share, c) => names.append(h('div', { text: `${className(c)} ${(100 * share).toFixed(0)} %` })));
    canvas.title = records.map((r) => `step ${r.step}: entropy ${r.coverage.entropy.toFixed(2)}, min ${(100 * r.coverage.minShare).toFixed(1)} %, max ${(100 * r.coverage.maxShare).toFixed(1)} %, confidence ${r.coverage.meanConfidence.toFixed(2)}`).join('\n');
    setChildren(
      this.strip,
      h('div', { class: 'quality-plot-title', text: `Class coverage per evaluated step (latest: entropy ${last.coverage.entropy.toFixed(2)}, mean confidence ${last.coverage.meanConfidence.toFixed(2)})` }),
      h('div', { class: 'coverage-body' }, names, h('div', { class: 'coverage-scroll' }, canvas)),
    );
  }
}

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

function className(c: number): string {
  return CLASS_NAMES[c] ?? `class ${c}`;
}
