/**
 * <gan-chart>-like card around uPlot: the curves of one chart (losses, or D's outputs) for the
 * shown run and the compared ones. Raw values are drawn faint behind the smoothed line; only the
 * rows that can show at this width are handed to uPlot (decimation), so 100,000 records per
 * series redraw within a frame; the tooltip reads the full-resolution records. Drag zooms, a
 * double-click resets, a click moves the grid cursor, which is drawn as a line with the steps of
 * every saved grid.
 */
import uPlot from 'uplot';
import type { MetricColumn, XAxisMode } from '../../../src/protocol/dashboardProtocol';
import { X_AXIS_LABELS } from '../../../src/protocol/dashboardProtocol';
import { formatDuration } from '../../../src/protocol/format';
import { alignRuns, RowsToDraw } from '../model/align';
import { withAlpha } from '../model/color';
import { decimate, IncrementalDecimator, visibleRange } from '../model/decimate';
import type { RunData } from '../model/runData';
import { nearestIndex } from '../model/search';
import { formatX } from '../model/xAxis';
import { h, setChildren } from '../../common/dom';
import { runPalette, ThemeColors } from '../ui/theme';
import { formatEpochs } from '../../../src/protocol/steps';

export interface ChartLineSpec {
  column: MetricColumn;
  /** "loss_D" */
  label: string;
  color: (t: ThemeColors) => string;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence under the title on what to look for. */
  hint: string;
  lines: ChartLineSpec[];
  height: number;
  /** A fixed y range (D's outputs are probabilities); auto when absent. */
  yRange?: [number, number];
  /** A dashed horizontal guide (0.5: D cannot tell real from fake). */
  guide?: number;
  /** Follows the log-scale toggle. */
  allowLog: boolean;
}

export interface ChartInput {
  runs: RunData[];
  xAxis: XAxisMode;
  smoothing: number;
  logScale: boolean;
  zoom: { min: number; max: number } | null;
  /** Step of the grid shown, marked on the chart. */
  gridStep: number | undefined;
  theme: ThemeColors;
  /** What the empty chart says it waits for (see model/loading.ts). */
  waiting?: string;
}

export interface ChartCallbacks {
  onZoom(range: { min: number; max: number } | null): void;
  /** A click on the chart: the step under the pointer (of the shown run). */
  onPick(step: number): void;
  onExport(chart: GanChart): void;
}

interface SeriesMeta {
  run: number;
  line: number;
  smoothed: boolean;
}

const SYNC_KEY = 'gan-studio-dashboard';

function significant(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e6)) return v.toExponential(4);
  return String(+v.toPrecision(6));
}

export class GanChart {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | undefined;
  private structure = '';
  private meta: SeriesMeta[] = [];
  private input: ChartInput | undefined;
  private hidden = new Set<string>();
  private width = 0;
  private renders = 0;
  private readonly resizeObserver: ResizeObserver;
  private downAt: { x: number; y: number } | undefined;
  /** The pointer is over this chart (the other chart shows only the synced cursor line). */
  private hovered = false;
  /** Per run: the unzoomed view's decimation, kept up to date incrementally. */
  private readonly decimators = new Map<string, IncrementalDecimator>();
  /** Per run: the zoomed view's rows, reused while the visible rows stay the same. */
  private readonly zoomed = new Map<string, { key: string; rows: Int32Array }>();

  constructor(
    readonly spec: ChartSpec,
    private readonly callbacks: ChartCallbacks,
  ) {
    this.legend = h('div', { class: 'chart-legend', role: 'list' });
    this.plotHost = h('div', { class: 'chart-plot' });
    this.tooltip = h('div', { class: 'chart-tooltip', role: 'tooltip', hidden: true });
    this.empty = h('div', { class: 'chart-empty', text: 'Waiting for the first metrics…' });
    const exportButton = h('vscode-toolbar-button', { icon: 'file-media', label: `Export ${spec.title} as PNG`, title: 'Export as PNG' });
    exportButton.addEventListener('click', () => this.callbacks.onExport(this));
    const resetButton = h('vscode-toolbar-button', { icon: 'zoom-out', label: 'Reset zoom', title: 'Reset zoom (or double-click the chart)', class: 'reset-zoom' });
    resetButton.addEventListener('click', () => this.callbacks.onZoom(null));
    this.element = h(
      'section',
      { class: 'card chart-card', 'data-chart': spec.id, 'aria-label': spec.title },
      h('header', { class: 'card-header' }, h('h2', { text: spec.title }), h('span', { class: 'card-hint', text: spec.hint }), h('span', { class: 'spacer' }), resetButton, exportButton),
      this.legend,
      h('div', { class: 'chart-body' }, this.plotHost, this.empty, this.tooltip),
    );
    this.resizeObserver = new ResizeObserver(() => {
      const width = Math.floor(this.plotHost.clientWidth);
      if (width > 0 && width !== this.width) {
        this.width = width;
        if (this.plot) this.plot.setSize({ width, height: this.spec.height });
        this.render();
      }
    });
    this.resizeObserver.observe(this.plotHost);
  }

  get title(): string {
    return this.spec.title;
  }

  /** The canvas uPlot draws on (axes and curves), for exports. */
  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  update(input: ChartInput): void {
    this.input = input;
    this.render();
  }

  /** Redraws only the cursor marker (the data did not change). */
  redrawMarker(gridStep: number | undefined): void {
    if (!this.input) return;
    this.input = { ...this.input, gridStep };
    this.plot?.redraw(false, false);
  }

  private lineKey(run: RunData, line: ChartLineSpec): string {
    return `${run.key}\n${line.column}`;
  }

  private seriesOptions(input: ChartInput): { series: uPlot.Series[]; meta: SeriesMeta[] } {
    const t = input.theme;
    const palette = runPalette(t);
    const compare = input.runs.length > 1;
    const smooth = input.smoothing > 0;
    const series: uPlot.Series[] = [];
    const meta: SeriesMeta[] = [];
    const add = (smoothed: boolean) => {
      input.runs.forEach((run, r) => {
        this.spec.lines.forEach((line, l) => {
          const color = compare ? palette[r % palette.length] : line.color(t);
          const faint = smooth && !smoothed;
          series.push({
            label: this.seriesLabel(input, r, l, smoothed),
            stroke: faint ? withAlpha(color, t.highContrast ? 0.45 : 0.28) : color,
            width: faint ? 1 : t.highContrast ? 2.5 : 1.75,
            dash: compare && l > 0 ? [6, 4] : undefined,
            points: { show: false },
            spanGaps: true,
            show: !this.hidden.has(this.lineKey(run, line)),
          });
          meta.push({ run: r, line: l, smoothed });
        });
      });
    };
    add(false);
    if (smooth) add(true);
    return { series, meta };
  }

  private seriesLabel(input: ChartInput, r: number, l: number, smoothed: boolean): string {
    const base = input.runs.length > 1 ? `${input.runs[r].info.name} · ${this.spec.lines[l].label}` : this.spec.lines[l].label;
    return smoothed ? `${base} (smoothed)` : base;
  }

  private create(input: ChartInput): void {
    this.plot?.destroy();
    const t = input.theme;
    const { series, meta } = this.seriesOptions(input);
    this.meta = meta;
    const font = `${Math.round(t.fontSize * 0.85)}px ${t.fontFamily}`;
    const log = input.logScale && this.spec.allowLog;
    const axis = (values: uPlot.Axis['values'], label?: string): uPlot.Axis => ({
      stroke: t.muted,
      font,
      labelFont: font,
      label,
      labelSize: label ? 14 : 0,
      labelGap: 0,
      gap: 4,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1, size: 4 },
      values,
    });
    const mode = input.xAxis;
    const xValues: uPlot.Axis['values'] = mode === 'wall' ? undefined : (_u, splits) => splits.map((v) => formatX(mode, v));
    const yScale: uPlot.Scale = log ? { distr: 3, log: 10 } : this.spec.yRange ? { range: this.spec.yRange } : { auto: true };
    const opts: uPlot.Options = {
      width: Math.max(100, this.width || this.plotHost.clientWidth || 600),
      height: this.spec.height,
      pxAlign: false,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        sync: { key: SYNC_KEY, setSeries: false },
        points: { size: 7, width: 1.5 },
        bind: {
          dblclick: () => () => {
            this.callbacks.onZoom(null);
            return null;
          },
        },
      },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: mode === 'wall' }, y: yScale },
      axes: [{ ...axis(xValues, X_AXIS_LABELS[mode]), size: 24 }, { ...axis(undefined), size: 48 }],
      series: [{}, ...series],
      hooks: {
        setSelect: [(u) => this.onSelect(u)],
        draw: [(u) => this.drawOverlay(u)],
        setCursor: [(u) => this.showTooltip(u)],
      },
    };
    this.plot = new uPlot(opts, [[], ...series.map(() => [])] as uPlot.AlignedData, this.plotHost);
    this.plot.over.addEventListener('mousedown', (e) => (this.downAt = { x: e.clientX, y: e.clientY }));
    this.plot.over.addEventListener('mouseup', (e) => this.onClick(e));
    this.plot.over.addEventListener('mouseenter', () => (this.hovered = true));
    this.plot.over.addEventListener('mouseleave', () => {
      this.hovered = false;
      this.tooltip.hidden = true;
    });
    this.renderLegend(input);
  }

  private renderLegend(input: ChartInput): void {
    const t = input.theme;
    const palette = runPalette(t);
    const compare = input.runs.length > 1;
    const items: HTMLElement[] = [];
    input.runs.forEach((run, r) => {
      this.spec.lines.forEach((line, l) => {
        const key = this.lineKey(run, line);
        const color = compare ? palette[r % palette.length] : line.color(t);
        const swatch = h('span', { class: `swatch${compare && l > 0 ? ' dashed' : ''}` });
        swatch.style.borderColor = color;
        const item = h(
          'button',
          { class: `legend-item${this.hidden.has(key) ? ' off' : ''}`, role: 'listitem', title: 'Show or hide this curve', 'aria-pressed': String(!this.hidden.has(key)) },
          swatch,
          h('span', { text: compare ? `${run.info.name} · ${line.label}` : line.label }),
        );
        item.addEventListener('click', () => {
          if (this.hidden.has(key)) this.hidden.delete(key);
          else this.hidden.add(key);
          this.structure = '';
          this.render();
        });
        items.push(item);
      });
    });
    if (input.smoothing > 0) items.push(h('span', { class: 'legend-note', text: 'faint: raw values' }));
    setChildren(this.legend, ...items);
  }

  render(): void {
    const input = this.input;
    if (!input || this.width === 0) return;
    const started = performance.now();
    const log = input.logScale && this.spec.allowLog;
    const structure = JSON.stringify([
      input.runs.map((r) => [r.key, r.info.name]),
      input.smoothing > 0,
      log,
      input.xAxis,
      input.theme.key,
      [...this.hidden],
    ]);
    if (structure !== this.structure || !this.plot) {
      this.structure = structure;
      this.create(input);
    }
    const plot = this.plot!;
    const main = input.runs[0];
    const rows = main?.length ?? 0;
    this.empty.hidden = rows > 0;
    if (input.waiting !== undefined) this.empty.textContent = input.waiting;
    const buckets = Math.max(50, Math.round(plot.bbox.width / Math.max(1, devicePixelRatio)));
    const perRun: RowsToDraw[] = input.runs.map((run) => {
      const x = run.x(input.xAxis);
      const n = run.length;
      const raw = this.spec.lines.map((l) => run.column(l.column));
      const smooth = input.smoothing > 0 ? this.spec.lines.map((l) => run.smoothed(l.column, input.smoothing)) : [];
      const all = [...raw, ...smooth];
      const key = `${run.generation}|${input.xAxis}|${input.smoothing}|${buckets}`;
      let idx: Int32Array;
      if (!input.zoom) {
        let dec = this.decimators.get(run.key);
        if (!dec) this.decimators.set(run.key, (dec = new IncrementalDecimator()));
        idx = dec.update(key, x, all, n, buckets);
      } else {
        const [from, to] = visibleRange(x, n, input.zoom.min, input.zoom.max);
        const zoomKey = `${key}|${from}|${to}|${input.zoom.min}|${input.zoom.max}`;
        const cached = this.zoomed.get(run.key);
        idx = cached?.key === zoomKey ? cached.rows : decimate(x, all, from, to, buckets);
        this.zoomed.set(run.key, { key: zoomKey, rows: idx });
      }
      const pick = (col: Float64Array) => {
        const out = new Float64Array(idx.length);
        for (let i = 0; i < idx.length; i++) out[i] = col[idx[i]];
        return out;
      };
      return { x: pick(x), ys: all.map(pick) };
    });
    for (const key of [...this.decimators.keys()]) if (!input.runs.some((r) => r.key === key)) this.decimators.delete(key);
    const aligned = alignRuns(perRun, log);
    // alignRuns groups columns by run (raw lines, then smoothed lines); uPlot's series are all raw
    // lines first (drawn underneath), then all smoothed ones.
    const lines = this.spec.lines.length;
    const perRunCols = input.smoothing > 0 ? 2 * lines : lines;
    const columns = this.meta.map((m) => aligned[1 + m.run * perRunCols + (m.smoothed ? lines : 0) + m.line]);
    plot.batch(() => {
      plot.setData([aligned[0], ...columns] as uPlot.AlignedData, true);
      const zoom = input.zoom;
      if (zoom) plot.setScale('x', zoom);
    });
    this.renders++;
    this.element.dataset.rows = String(rows);
    this.element.dataset.drawn = String(aligned[0].length);
    this.element.dataset.renders = String(this.renders);
    this.element.dataset.xAxis = input.xAxis;
    this.element.classList.toggle('zoomed', !!input.zoom);
    this.lastRenderMs = performance.now() - started;
  }

  /** How long the last render took, in ms. */
  lastRenderMs = 0;

  private onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 4) return;
    const min = u.posToVal(left, 'x');
    const max = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (max > min) this.callbacks.onZoom({ min, max });
  }

  private onClick(e: MouseEvent): void {
    const down = this.downAt;
    this.downAt = undefined;
    const input = this.input;
    if (!down || !this.plot || !input || input.runs.length === 0) return;
    if (Math.hypot(e.clientX - down.x, e.clientY - down.y) > 3) return; // a drag (zoom), not a click
    const rect = this.plot.over.getBoundingClientRect();
    const x = this.plot.posToVal(e.clientX - rect.left, 'x');
    const step = input.runs[0].xToStep(input.xAxis, x);
    if (step !== undefined) this.callbacks.onPick(step);
  }

  private drawOverlay(u: uPlot): void {
    const input = this.input;
    if (!input) return;
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const px = devicePixelRatio || 1;
    const t = input.theme;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    if (this.spec.guide !== undefined && !(input.logScale && this.spec.allowLog)) {
      const y = u.valToPos(this.spec.guide, 'y', true);
      ctx.strokeStyle = withAlpha(t.muted, 0.6);
      ctx.lineWidth = px;
      ctx.setLineDash([3 * px, 3 * px]);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
    const main = input.runs[0];
    if (main) {
      // Every saved grid: a small tick at the bottom.
      ctx.setLineDash([]);
      ctx.strokeStyle = withAlpha(t.foreground, 0.45);
      ctx.lineWidth = px;
      ctx.beginPath();
      for (const s of main.samples) {
        const xv = main.stepToX(input.xAxis, s.step);
        if (xv === undefined) continue;
        const x = u.valToPos(xv, 'x', true);
        ctx.moveTo(x, top + height);
        ctx.lineTo(x, top + height - 6 * px);
      }
      ctx.stroke();
      // The grid shown in the timeline: a line across the chart.
      if (input.gridStep !== undefined) {
        const xv = main.stepToX(input.xAxis, input.gridStep);
        if (xv !== undefined) {
          const x = u.valToPos(xv, 'x', true);
          ctx.strokeStyle = t.focus;
          ctx.lineWidth = 1.5 * px;
          ctx.setLineDash([5 * px, 3 * px]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          ctx.setLineDash([]);
          const label = `grid · step ${input.gridStep.toLocaleString('en-US')}`;
          ctx.font = `${Math.round(t.fontSize * 0.8 * px)}px ${t.fontFamily}`;
          const w = ctx.measureText(label).width + 8 * px;
          const lx = x + w + 4 * px > left + width ? x - w - 4 * px : x + 4 * px;
          ctx.fillStyle = withAlpha(t.background, 0.85);
          ctx.fillRect(lx, top + 2 * px, w, 16 * px);
          ctx.fillStyle = t.foreground;
          ctx.textAlign = 'left'; // uPlot leaves it as its last axis set it
          ctx.textBaseline = 'middle';
          ctx.fillText(label, lx + 4 * px, top + 10 * px);
        }
      }
    }
    ctx.restore();
  }

  private showTooltip(u: uPlot): void {
    const input = this.input;
    const { left, top } = u.cursor;
    if (!this.hovered || !input || left === undefined || top === undefined || left < 0 || input.runs.length === 0 || input.runs[0].length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const x = u.posToVal(left, 'x');
    const t = input.theme;
    const palette = runPalette(t);
    const compare = input.runs.length > 1;
    const rows: HTMLElement[] = [];
    let heading = '';
    input.runs.forEach((run, r) => {
      const xs = run.x(input.xAxis);
      const i = nearestIndex(xs, x, run.length);
      if (i < 0) return;
      const step = run.column('step')[i];
      const when = this.describeRow(run, i);
      if (r === 0) heading = when;
      this.spec.lines.forEach((line, l) => {
        if (this.hidden.has(this.lineKey(run, line))) return;
        const color = compare ? palette[r % palette.length] : line.color(t);
        const raw = run.column(line.column)[i];
        const smooth = input.smoothing > 0 ? run.smoothed(line.column, input.smoothing)[i] : undefined;
        const swatch = h('span', { class: `swatch${compare && l > 0 ? ' dashed' : ''}` });
        swatch.style.borderColor = color;
        rows.push(
          h(
            'tr',
            {},
            h('td', {}, swatch),
            h('td', { class: 'name', text: compare ? `${run.info.name} · ${line.label}` : line.label }),
            h('td', { class: 'value', text: significant(raw) }),
            h('td', { class: 'smoothed', text: smooth === undefined ? '' : significant(smooth) }),
            h('td', { class: 'where', text: compare && r > 0 ? `step ${step.toLocaleString('en-US')}` : '' }),
          ),
        );
      });
    });
    const head = h('tr', {}, h('th', {}), h('th', { text: '' }), h('th', { text: 'Value' }), h('th', { text: input.smoothing > 0 ? 'Smoothed' : '' }), h('th'));
    setChildren(this.tooltip, h('div', { class: 'tooltip-heading', text: heading }), h('table', {}, head, ...rows));
    this.tooltip.hidden = false;
    const box = this.plotHost.getBoundingClientRect();
    const overLeft = u.over.offsetLeft;
    const overTop = u.over.offsetTop;
    const tw = this.tooltip.offsetWidth;
    const th = this.tooltip.offsetHeight;
    let tx = overLeft + left + 14;
    if (tx + tw > box.width) tx = overLeft + left - tw - 14;
    let ty = overTop + top + 14;
    if (ty + th > box.height + 40) ty = Math.max(0, overTop + top - th - 14);
    this.tooltip.style.transform = `translate(${Math.max(0, tx)}px, ${ty}px)`;
  }

  private describeRow(run: RunData, i: number): string {
    const step = run.column('step')[i];
    const epoch = step / run.stepsPerEpoch;
    const parts = [`Step ${step.toLocaleString('en-US')}`, `epoch ${formatEpochs(epoch)}`];
    const elapsed = run.column('elapsedSec')[i];
    if (Number.isFinite(elapsed)) parts.push(formatDuration(elapsed));
    const time = run.column('time')[i];
    if (Number.isFinite(time)) parts.push(new Date(time).toLocaleTimeString());
    return parts.join(' · ');
  }

  /** Legend entries as drawn, for the PNG export. */
  legendEntries(): { label: string; color: string; dashed: boolean }[] {
    const input = this.input;
    if (!input) return [];
    const palette = runPalette(input.theme);
    const compare = input.runs.length > 1;
    return input.runs.flatMap((run, r) =>
      this.spec.lines
        .map((line, l) => ({ line, label: compare ? `${run.info.name} · ${line.label}` : line.label, color: compare ? palette[r % palette.length] : line.color(input.theme), dashed: compare && l > 0 }))
        .filter((e) => !this.hidden.has(this.lineKey(run, e.line)))
        .map(({ label, color, dashed }) => ({ label, color, dashed })),
    );
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.element.remove();
  }
}
