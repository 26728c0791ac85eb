/**
 * One run as the dashboard follows it: its metrics (kept in memory, read from metrics.jsonl a tail
 * at a time), its manifest (from the run store, the same reader as the Runs tree) and, when this
 * window trains it, the trainer's live state. Change events only mark what is stale; `poll()` reads
 * it, so the reading happens at the pace the dashboard sends updates. A run another process trains
 * is followed through the store's watcher, which reports appends while they go on (its maximum
 * wait). Plain Node, no vscode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunInfo, WireColumns } from '../../protocol/dashboardProtocol';
import { MetricTable } from '../../protocol/metricTable';
import { METRICS_FILE, REAL_GRID_FILE, RUN_MANIFEST, SampleEntry } from '../../protocol/runFormat';
import { QUALITY_FILE, QualityRecord } from '../../protocol/qualityFormat';
import { readQuality } from '../../common/qualityFiles';
import type { RunStoreChange, RunSummary } from '../runs/runStore';
import type { DisposableLike } from '../util/disposable';
import { MetricsTail } from './metricsTail';
import { buildRunInfo, LiveState } from './runInfo';

type Listen<T> = (listener: (e: T) => unknown) => DisposableLike;

/** What a feed needs of the run store. */
export interface FeedStore {
  get(dir: string): RunSummary | undefined;
  refresh(dirs?: string[]): void;
  readonly onDidChange: Listen<RunStoreChange>;
}

/** What a feed needs of a run this window trains (an ActiveRun). */
export interface LiveRun {
  readonly runDir: string | undefined;
  readonly state: LiveState;
  readonly onDidChange: Listen<unknown>;
  readonly onMetrics: Listen<unknown>;
  readonly onSample: Listen<SampleEntry>;
  readonly done: Promise<unknown>;
}

/** What a feed needs of the training controller. */
export interface FeedController {
  findByRunDir(dir: string): LiveRun | undefined;
  readonly onDidStart: Listen<LiveRun>;
}

export interface FeedSnapshot {
  info: RunInfo;
  metrics: WireColumns;
  samples: SampleEntry[];
  hasRealGrid: boolean;
  quality: QualityRecord[];
}

export interface FeedDelta {
  info?: RunInfo;
  append?: WireColumns;
  replace?: WireColumns;
  samples?: SampleEntry[];
  hasRealGrid?: boolean;
  quality?: QualityRecord[];
}

export type FeedRead<T> = { ok: true; value: T } | { ok: false; message: string };

export class RunFeed {
  /** Disposed synchronously: no event reaches a disposed feed. */
  private readonly disposables: DisposableLike[] = [];
  private readonly table = new MetricTable();
  private readonly tail: MetricsTail;
  private liveSubs: DisposableLike[] = [];
  private live: LiveRun | undefined;
  /** Rows the webview has. */
  private sent = 0;
  private replaced = false;
  private badLines = 0;
  private metricsStale = true;
  private manifestStale = true;
  private liveSamples: SampleEntry[] = [];
  private lastInfo = '';
  private lastSamples = '';
  private lastReal: boolean | undefined;
  private lastQuality = '';

  constructor(
    readonly dir: string,
    private readonly store: FeedStore,
    controller: FeedController,
    private readonly onStale: () => void,
  ) {
    this.tail = new MetricsTail(dir);
    if (!store.get(dir) && fs.existsSync(path.join(dir, RUN_MANIFEST))) store.refresh([dir]);
    this.disposables.push(store.onDidChange((change) => this.onStoreChange(change)));
    this.disposables.push(controller.onDidStart((run) => run.runDir === dir && this.attach(run)));
    const active = controller.findByRunDir(dir);
    if (active) this.attach(active);
  }

  /** Trained by this window right now. */
  get isLive(): boolean {
    return this.live !== undefined;
  }

  private onStoreChange(change: RunStoreChange): void {
    const files = change.files.get(this.dir);
    const touched = change.removed.includes(this.dir) || change.changed.some((s) => s.dir === this.dir) || files !== undefined;
    if (!touched) return;
    this.manifestStale = true;
    // An empty set means "something in the folder changed"; read the tail to be sure.
    if (!files || files.size === 0 || files.has(METRICS_FILE)) this.metricsStale = true;
    // quality.jsonl is read with the manifest (the trainer rewrites run.json after each evaluation).
    if (files?.has(QUALITY_FILE)) this.manifestStale = true;
    this.onStale();
  }

  private attach(run: LiveRun): void {
    this.detach();
    this.live = run;
    this.liveSubs = [
      run.onDidChange(() => this.markManifest()),
      run.onMetrics(() => {
        this.metricsStale = true;
        this.onStale();
      }),
      run.onSample((entry) => {
        this.liveSamples = [...this.liveSamples.filter((s) => s.step !== entry.step), entry];
        this.markManifest();
      }),
    ];
    void run.done.then(() => {
      if (this.live !== run) return;
      this.detach();
      // The trainer has finished writing: read the final manifest and the last records.
      this.store.refresh([this.dir]);
      this.metricsStale = true;
      this.markManifest();
    });
    this.markManifest();
  }

  private detach(): void {
    for (const d of this.liveSubs.splice(0)) d.dispose();
    this.live = undefined;
    this.liveSamples = [];
  }

  private markManifest(): void {
    this.manifestStale = true;
    this.onStale();
  }

  private readMetrics(): void {
    if (!this.metricsStale) return;
    this.metricsStale = false;
    const read = this.tail.read();
    if (read.kind === 'replace') {
      this.table.clear();
      this.badLines = 0;
      this.replaced = true;
      this.sent = 0;
    }
    this.badLines += read.badLines;
    this.table.appendRecords(read.records);
  }

  private summary(): FeedRead<{ summary: RunSummary; info: RunInfo }> {
    const summary = this.store.get(this.dir);
    if (!summary) return { ok: false, message: `The run folder ${this.dir} no longer exists (or has no run.json).` };
    const live = this.live && this.live.state.phase !== 'ended' ? this.live.state : undefined;
    const warning = this.badLines > 0 ? `${this.badLines} damaged line${this.badLines === 1 ? '' : 's'} of metrics.jsonl ${this.badLines === 1 ? 'was' : 'were'} skipped.` : null;
    const info = buildRunInfo(summary, live, warning);
    if (!info) return { ok: false, message: summary.loadError ?? `Cannot read the run in ${this.dir}.` };
    return { ok: true, value: { summary, info } };
  }

  private samples(summary: RunSummary): SampleEntry[] {
    const byStep = new Map<number, SampleEntry>();
    for (const s of summary.manifest?.samples ?? []) byStep.set(s.step, s);
    for (const s of this.liveSamples) if (!byStep.has(s.step)) byStep.set(s.step, s);
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }

  private hasRealGrid(): boolean {
    return fs.existsSync(path.join(this.dir, REAL_GRID_FILE));
  }

  /** Reads the metrics now (while the webview is still loading), so that the snapshot is quick. */
  prefetch(): void {
    this.metricsStale = true;
    this.readMetrics();
  }

  /** Everything, for a webview that has just loaded. */
  snapshot(): FeedRead<FeedSnapshot> {
    this.metricsStale = true;
    this.readMetrics();
    const read = this.summary();
    if (!read.ok) return read;
    const samples = this.samples(read.value.summary);
    const hasRealGrid = this.hasRealGrid();
    this.sent = this.table.length;
    this.replaced = false;
    this.manifestStale = false;
    this.lastInfo = JSON.stringify(read.value.info);
    this.lastSamples = JSON.stringify(samples);
    this.lastReal = hasRealGrid;
    const quality = readQuality(this.dir).records;
    this.lastQuality = JSON.stringify(quality);
    return { ok: true, value: { info: read.value.info, metrics: this.table.wire(0), samples, hasRealGrid, quality } };
  }

  /** What changed since the last snapshot or poll; undefined when nothing did. */
  poll(): FeedRead<FeedDelta | undefined> {
    this.readMetrics();
    const delta: FeedDelta = {};
    if (this.replaced) delta.replace = this.table.wire(0);
    else if (this.table.length > this.sent) delta.append = this.table.wire(this.sent);
    this.replaced = false;
    this.sent = this.table.length;
    if (this.manifestStale || delta.replace) {
      this.manifestStale = false;
      const read = this.summary();
      if (!read.ok) return read;
      const infoJson = JSON.stringify(read.value.info);
      if (infoJson !== this.lastInfo) {
        this.lastInfo = infoJson;
        delta.info = read.value.info;
      }
      const samples = this.samples(read.value.summary);
      const samplesJson = JSON.stringify(samples);
      if (samplesJson !== this.lastSamples) {
        this.lastSamples = samplesJson;
        delta.samples = samples;
      }
      const real = this.hasRealGrid();
      if (real !== this.lastReal) {
        this.lastReal = real;
        delta.hasRealGrid = real;
      }
      const quality = readQuality(this.dir).records;
      const qualityJson = JSON.stringify(quality);
      if (qualityJson !== this.lastQuality) {
        this.lastQuality = qualityJson;
        delta.quality = quality;
      }
    }
    return { ok: true, value: Object.keys(delta).length > 0 ? delta : undefined };
  }

  dispose(): void {
    this.detach();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
