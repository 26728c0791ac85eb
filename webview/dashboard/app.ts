/**
 * The dashboard page: owns the model (what the host sent) and the view state (what the user chose),
 * routes host messages through the reducer, and redraws the parts that changed, at most once per
 * animation frame.
 */
import { DashboardViewState, defaultViewState, HostMessage, parseViewState, RunAction, SnapshotTiming, WebviewMessage } from '../../src/protocol/dashboardProtocol';
import { fileSlug } from '../../src/protocol/dashboardProtocol';
import { ChartSpec, GanChart } from './chart/ganChart';
import { applyHostMessage, Changes, DashboardModel, emptyModel } from './model/dashboardModel';
import { waitingText } from './model/loading';
import type { RunData } from './model/runData';
import { reduceView, ViewAction } from './model/viewState';
import { CompareGrids } from './ui/compareGrids';
import { h } from '../common/dom';
import { chartPng, timelineGif } from './ui/exports';
import { Header } from './ui/header';
import { QualityPanel } from './ui/qualityPanel';
import { RealVsGenerated } from './ui/realVsGenerated';
import { readTheme, ThemeColors, watchTheme } from './ui/theme';
import { ImageCache, Timeline } from './ui/timeline';
import { Toolbar } from './ui/toolbar';

export interface Host {
  send(message: WebviewMessage): void;
  saveState(state: DashboardViewState): void;
}

const CHARTS: ChartSpec[] = [
  {
    id: 'losses',
    title: 'Losses',
    hint: 'spikes are normal: judge by the samples',
    lines: [
      { column: 'lossD', label: 'loss_D', color: (t) => t.blue },
      { column: 'lossG', label: 'loss_G', color: (t) => t.orange },
    ],
    height: 240,
    allowLog: true,
  },
  {
    id: 'outputs',
    title: 'Discriminator outputs',
    hint: 'on real x and on G(z); 0.5: D cannot tell',
    lines: [
      { column: 'dReal', label: 'D(x)', color: (t) => t.green },
      { column: 'dFake', label: 'D(G(z))', color: (t) => t.red },
    ],
    height: 240,
    yRange: [0, 1],
    guide: 0.5,
    allowLog: false,
  },
];

/** Update timings, for the benchmark (bench/dashboard.ts) and for curious users in the devtools. */
export interface DashboardStats {
  /** ms of work per update that changed the metrics: applying the message and redrawing, latest last. */
  updateMs: number[];
  /** ms from such a message's arrival to the end of its redraw (includes waiting for the next frame). */
  latencyMs: number[];
  /** Date.now() when the first snapshot had been drawn. */
  snapshotDrawnAt: number | undefined;
  /** Rows of the shown run drawn last. */
  rows: number;
  renders: number;
  /** Date.now() when this page started (a hidden panel's page is rebuilt when shown again). */
  startedAt: number;
  /** Date.now() when the page asked for its snapshot, and when the snapshot arrived. */
  readySentAt: number | undefined;
  snapshotReceivedAt: number | undefined;
  /** The host's side of the last snapshot: ms to read the runs, and when it was sent. */
  snapshotTiming: SnapshotTiming | undefined;
}

export class App {
  private readonly model: DashboardModel = emptyModel();
  private view: DashboardViewState;
  private theme: ThemeColors = readTheme();
  private readonly images = new ImageCache();
  private readonly header: Header;
  private readonly toolbar: Toolbar;
  private readonly charts: GanChart[];
  private readonly timeline: Timeline;
  private readonly realVsGenerated: RealVsGenerated;
  private readonly compareGrids: CompareGrids;
  private readonly quality = new QualityPanel();
  private pending: Changes | undefined;
  private pendingSince: number | undefined;
  /** ms spent applying the messages of the pending redraw. */
  private pendingWork = 0;
  private frame: number | undefined;
  private busy = false;
  readonly stats: DashboardStats = { updateMs: [], latencyMs: [], snapshotDrawnAt: undefined, rows: 0, renders: 0, startedAt: Date.now(), readySentAt: undefined, snapshotReceivedAt: undefined, snapshotTiming: undefined };

  constructor(
    root: HTMLElement,
    private readonly host: Host,
    runDir: string,
    saved: unknown,
  ) {
    const restored = parseViewState(saved);
    this.view = restored && restored.runDir === runDir ? restored : defaultViewState(runDir);
    this.host.saveState(this.view);
    this.header = new Header((action) => this.runAction(action));
    this.toolbar = new Toolbar(
      (action) => this.dispatch(action),
      () => this.exportCsv(),
    );
    this.charts = CHARTS.map(
      (spec) =>
        new GanChart(spec, {
          onZoom: (range) => this.dispatch({ type: 'zoom', value: range }),
          onPick: (step) => this.pickStep(step),
          onExport: (chart) => void this.exportChart(chart),
        }),
    );
    this.timeline = new Timeline(this.images, {
      dispatch: (action) => this.dispatch(action),
      onExportGif: () => void this.exportGif(),
      onOpenGrid: (step) => this.host.send({ type: 'openGrid', step }),
    });
    this.realVsGenerated = new RealVsGenerated(this.images);
    this.compareGrids = new CompareGrids();
    root.replaceChildren(
      this.header.element,
      h(
        'div',
        { class: 'layout' },
        h('div', { class: 'column charts-column' }, this.toolbar.element, h('div', { class: 'charts' }, ...this.charts.map((c) => c.element)), this.quality.element),
        h('div', { class: 'column samples-column' }, this.timeline.element, this.realVsGenerated.element, this.compareGrids.element),
      ),
    );
    root.removeAttribute('aria-busy');
    document.body.dataset.startedAt = String(this.stats.startedAt);
    watchTheme((theme) => {
      this.theme = theme;
      this.schedule({ header: false, metrics: true, samples: true, runList: false, compare: true, reset: false });
    });
    this.toolbar.render(this.view);
    this.header.render(undefined, undefined);
    this.stats.readySentAt = Date.now();
    this.host.send({ type: 'ready', view: this.view });
  }

  /** The runs drawn: the shown run first, then the compared ones in the order picked. */
  private runs(): RunData[] {
    return this.model.main ? [this.model.main, ...this.model.compare] : [];
  }

  onMessage(message: HostMessage): void {
    if (message.type === 'setCompare') {
      this.setView(reduceView(this.view, { type: 'compare', value: message.keys }), false);
      this.toolbar.render(this.view);
    }
    const received = performance.now();
    if (message.type === 'snapshot') {
      this.stats.snapshotReceivedAt ??= Date.now();
      this.stats.snapshotTiming ??= message.timing;
    }
    const changes = applyHostMessage(this.model, message);
    if (changes.exported) {
      this.busy = false;
      this.toolbar.setBusy(false);
    }
    if (changes.reset) {
      // Compared runs that no longer exist are dropped from the view state.
      const known = new Set(this.model.compare.map((r) => r.key));
      const compare = this.view.compare.filter((k) => known.has(k));
      if (compare.length !== this.view.compare.length) this.setView({ ...this.view, compare }, false);
    }
    this.pendingWork += performance.now() - received;
    this.schedule(changes, received);
  }

  private schedule(changes: Changes, since = performance.now()): void {
    const p = this.pending;
    this.pending = p
      ? { header: p.header || changes.header, metrics: p.metrics || changes.metrics, samples: p.samples || changes.samples, runList: p.runList || changes.runList, compare: p.compare || changes.compare, reset: p.reset || changes.reset, quality: p.quality || changes.quality }
      : changes;
    this.pendingSince ??= since;
    this.frame ??= requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    const started = performance.now();
    this.frame = undefined;
    const changes = this.pending;
    const since = this.pendingSince;
    const applied = this.pendingWork;
    this.pending = undefined;
    this.pendingSince = undefined;
    this.pendingWork = 0;
    if (!changes) return;
    const main = this.model.main;
    if (changes.header || changes.reset) this.header.render(main?.info, this.model.unavailable);
    if (changes.runList || changes.reset) this.toolbar.renderRuns(this.model.runs, this.view.compare);
    if (changes.metrics || changes.samples || changes.compare || changes.reset || (changes.header && !main?.length)) this.drawCharts();
    if (changes.samples || changes.compare || changes.reset) this.drawSamples();
    if (changes.quality || changes.compare || changes.reset) this.quality.render(this.runs(), this.theme);
    // The timeline's caption says whether it follows new grids of a live run.
    else if (changes.header) this.timeline.render(main, this.view);
    this.stats.renders++;
    this.stats.rows = main?.length ?? 0;
    if (since !== undefined && (changes.metrics || changes.reset)) {
      const now = performance.now();
      this.stats.updateMs.push(applied + now - started);
      this.stats.latencyMs.push(now - since);
      if (this.stats.updateMs.length > 2000) {
        this.stats.updateMs.splice(0, 1000);
        this.stats.latencyMs.splice(0, 1000);
      }
    }
    if (changes.reset && this.stats.snapshotDrawnAt === undefined && main) this.stats.snapshotDrawnAt = Date.now();
    document.body.dataset.rows = String(this.stats.rows);
  }

  private gridStepShown(): number | undefined {
    return this.model.main?.sampleAt(this.view.gridStep)?.step;
  }

  private drawCharts(): void {
    const runs = this.runs();
    for (const chart of this.charts) {
      chart.update({
        runs,
        xAxis: this.view.xAxis,
        smoothing: this.view.smoothing,
        logScale: this.view.logScale,
        zoom: this.view.zoom,
        gridStep: this.gridStepShown(),
        theme: this.theme,
        waiting: waitingText(this.model.main?.info, this.model.main?.length ?? 0),
      });
    }
  }

  private drawSamples(): void {
    const main = this.model.main;
    this.timeline.render(main, this.view);
    this.realVsGenerated.render(main, this.view.gridStep, this.theme);
    this.compareGrids.render(this.runs(), this.view.gridStep, this.theme);
  }

  private dispatch(action: ViewAction): void {
    const next = reduceView(this.view, action);
    if (next === this.view) return;
    this.setView(next, action.type === 'compare');
    switch (action.type) {
      case 'gridStep':
        for (const chart of this.charts) chart.redrawMarker(this.gridStepShown());
        this.drawSamples();
        return;
      case 'fps':
        this.timeline.render(this.model.main, this.view);
        return;
      default:
        this.toolbar.render(this.view);
        this.schedule({ header: false, metrics: true, samples: action.type === 'compare', runList: false, compare: action.type === 'compare', reset: false });
    }
  }

  private setView(view: DashboardViewState, tellHost: boolean): void {
    this.view = view;
    this.host.saveState(view);
    if (tellHost) this.host.send({ type: 'viewChanged', view });
  }

  /** A click on a chart: the grid nearest to the step goes under the cursor. */
  private pickStep(step: number): void {
    const main = this.model.main;
    if (!main || main.samples.length === 0) return;
    this.timeline.stop();
    const i = main.nearestSampleIndex(step);
    this.dispatch({ type: 'gridStep', value: i === main.samples.length - 1 ? null : main.samples[i].step });
  }

  private runAction(action: RunAction): void {
    this.host.send({ type: 'runAction', action });
  }

  private exportCsv(): void {
    if (this.busy) return;
    this.busy = true;
    this.toolbar.setBusy(true);
    this.host.send({ type: 'exportCsv' });
  }

  private subtitle(): string {
    const names = this.runs().map((r) => r.info.name);
    return names.length > 1 ? names.join(' vs ') : (names[0] ?? '');
  }

  private async exportChart(chart: GanChart): Promise<void> {
    try {
      const data = await chartPng(chart, this.theme, this.subtitle());
      const name = `${fileSlug(this.model.main?.info.name ?? 'run')}-${chart.spec.id}.png`;
      this.host.send({ type: 'exportImage', kind: 'png', fileName: name, data });
    } catch (error) {
      this.host.send({ type: 'log', level: 'error', message: `Chart export failed: ${(error as Error).message}` });
    }
  }

  private async exportGif(): Promise<void> {
    const main = this.model.main;
    if (!main) return;
    try {
      const data = await timelineGif(main, this.images, this.view.fps);
      this.host.send({ type: 'exportImage', kind: 'gif', fileName: `${fileSlug(main.info.name)}-samples.gif`, data });
    } catch (error) {
      this.host.send({ type: 'log', level: 'error', message: `GIF export failed: ${(error as Error).message}` });
    }
  }
}
