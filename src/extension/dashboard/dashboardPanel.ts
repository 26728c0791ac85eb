/**
 * One dashboard panel: a webview showing one run (and the runs compared with it). It answers the
 * webview's `ready` with a snapshot, then sends what changed at most ten times a second, reading
 * the runs through their feeds; header buttons run the extension's run commands; exports are
 * saved where the user says, atomically.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic, WriteError } from '../../common/atomicFile';
import { readMetrics } from '../../common/runReader';
import {
  DashboardViewState,
  defaultViewState,
  ExportKind,
  fileSlug,
  HostMessage,
  parseWebviewMessage,
  RunAction,
  RunChoice,
  RunDelta,
  RunSnapshot,
  SampleRef,
  UPDATE_INTERVAL_MS,
  WebviewMessage,
} from '../../protocol/dashboardProtocol';
import { assertNever } from '../../protocol/experimentConfig';
import { REAL_GRID_FILE, SampleEntry } from '../../protocol/runFormat';
import type { RunStore } from '../runs/runStore';
import type { TrainingController } from '../training/trainingController';
import { DisposableStore } from '../util/disposable';
import { WebviewHost } from '../webviewHost';
import { dashboardHtml } from './dashboardHtml';
import { metricsCsv } from './metricsCsv';
import { FeedDelta, FeedSnapshot, RunFeed } from './runFeed';
import { runChoice } from './runInfo';
import { Throttle } from './throttle';

export interface DashboardDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  controller: TrainingController;
  output: vscode.OutputChannel;
}

/** How many runs can be compared with the shown one. */
export const MAX_COMPARE = 8;

const ACTION_COMMANDS: Readonly<Record<RunAction, string>> = {
  stop: 'ganStudio.stopTraining',
  pause: 'ganStudio.pauseTraining',
  continue: 'ganStudio.continueTraining',
  checkpoint: 'ganStudio.checkpointNow',
  resume: 'ganStudio.resumeRun',
  reveal: 'ganStudio.revealRun',
  showLog: 'ganStudio.showLog',
};

const EXPORT_FILTERS: Readonly<Record<ExportKind, Record<string, string[]>>> = {
  csv: { 'CSV (comma-separated values)': ['csv'] },
  png: { 'PNG image': ['png'] },
  gif: { 'Animated GIF': ['gif'] },
};

export class DashboardPanel implements vscode.Disposable {
  private readonly disposables = new DisposableStore();
  private readonly main: RunFeed;
  private readonly compare = new Map<string, RunFeed>();
  private readonly throttle: Throttle;
  private readonly host: WebviewHost<HostMessage, WebviewMessage>;
  private view: DashboardViewState;
  private runListStale = true;
  private lastRunList = '';
  private disposed = false;
  private pendingCompare: string[] | undefined;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly runDir: string,
    private readonly deps: DashboardDeps,
  ) {
    this.view = defaultViewState(runDir);
    this.throttle = this.disposables.add(new Throttle(() => this.flush(), UPDATE_INTERVAL_MS));
    this.main = this.disposables.add(new RunFeed(runDir, deps.store, deps.controller, () => this.throttle.schedule()));
    this.disposables.add(this.disposeEmitter);
    // The webview asks for a snapshot with `ready` (again after being hidden: it is torn down then).
    this.host = this.disposables.add(
      new WebviewHost<HostMessage, WebviewMessage>(panel, {
        name: 'dashboard',
        extensionUri: deps.extensionUri,
        parse: parseWebviewMessage,
        handle: (message) => this.handle(message),
        log: (line) => deps.output.appendLine(line),
      }),
    );
    this.disposables.add(panel.onDidDispose(() => this.dispose()));
    this.disposables.add(
      deps.store.onDidChange(() => {
        this.runListStale = true;
        this.updateResourceRoots();
        this.throttle.schedule();
      }),
    );
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'gan-studio.svg');
    panel.title = this.title();
    this.updateResourceRoots();
    panel.webview.html = dashboardHtml({ ...this.host.pageParts('dashboard'), runDir, title: this.title() });
    // Read the run while the workbench builds the webview, instead of after it asks.
    const prefetch = setTimeout(() => {
      if (!this.disposed && !this.host.ready) this.main.prefetch();
    }, 0);
    this.disposables.add({ dispose: () => clearTimeout(prefetch) });
  }

  private title(): string {
    const name = this.deps.store.get(this.runDir)?.manifest?.name ?? path.basename(this.runDir);
    return `${name} · Dashboard`;
  }

  /** The built assets, the runs root and the folders of the runs shown: nothing else can load. */
  private updateResourceRoots(): void {
    this.host.setRoots([vscode.Uri.file(this.deps.store.root), ...[this.runDir, ...this.compare.keys()].map((dir) => vscode.Uri.file(path.dirname(dir)))]);
  }

  /** Compares these runs with this one (from the runs table); applied when the webview is ready. */
  showCompare(keys: string[]): void {
    const compare = keys.filter((k) => k !== this.runDir);
    if (!this.host.ready) {
      this.pendingCompare = compare;
      return;
    }
    this.view = { ...this.view, compare };
    this.syncCompare(true);
    this.post({ type: 'setCompare', keys: compare });
  }

  reveal(): void {
    this.panel.reveal(this.panel.viewColumn, true);
  }

  private post(message: HostMessage): void {
    if (!this.disposed) this.host.post(message);
  }

  private async handle(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.view = { ...message.view, runDir: this.runDir, ...(this.pendingCompare ? { compare: this.pendingCompare } : {}) };
        this.syncCompare(false);
        this.sendSnapshot();
        if (this.pendingCompare) this.post({ type: 'setCompare', keys: this.view.compare });
        this.pendingCompare = undefined;
        return;
      case 'viewChanged':
        this.view = { ...message.view, runDir: this.runDir };
        this.syncCompare(true);
        return;
      case 'runAction':
        await vscode.commands.executeCommand(ACTION_COMMANDS[message.action], this.runDir);
        return;
      case 'exportCsv':
        await this.exportCsv();
        return;
      case 'exportImage':
        await this.exportFile(message.kind, message.fileName, message.data);
        return;
      case 'openGrid': {
        const sample = this.deps.store.get(this.runDir)?.manifest?.samples.find((s) => s.step === message.step);
        if (sample) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(this.runDir, sample.file)), { viewColumn: vscode.ViewColumn.Beside, preview: true });
        return;
      }
      case 'log':
        this.deps.output.appendLine(`[dashboard] ${message.level === 'error' ? 'Error: ' : ''}${message.message}`);
        return;
      default:
        return assertNever(message);
    }
  }

  /** Keeps one feed per compared run that exists; tells the webview when the set changed. */
  private syncCompare(notify: boolean): void {
    const wanted = this.view.compare.filter((dir) => dir !== this.runDir && this.deps.store.get(dir)?.manifest).slice(0, MAX_COMPARE);
    const before = [...this.compare.keys()].join('\n');
    for (const [dir, feed] of this.compare) {
      if (!wanted.includes(dir)) {
        feed.dispose();
        this.compare.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (!this.compare.has(dir)) this.compare.set(dir, new RunFeed(dir, this.deps.store, this.deps.controller, () => this.throttle.schedule()));
    }
    // Keep the order the user picked.
    const ordered = wanted.map((dir) => [dir, this.compare.get(dir)!] as const);
    this.compare.clear();
    for (const [dir, feed] of ordered) this.compare.set(dir, feed);
    this.updateResourceRoots();
    if (notify && [...this.compare.keys()].join('\n') !== before) this.sendCompare();
  }

  private compareSnapshots(): RunSnapshot[] {
    const out: RunSnapshot[] = [];
    for (const [dir, feed] of [...this.compare]) {
      const read = feed.snapshot();
      if (read.ok) out.push(this.toSnapshot(dir, read.value));
      else {
        feed.dispose();
        this.compare.delete(dir);
      }
    }
    return out;
  }

  private sendCompare(): void {
    if (!this.host.ready) return;
    this.post({ type: 'compare', runs: this.compareSnapshots() });
  }

  private sendSnapshot(): void {
    const started = performance.now();
    const read = this.main.snapshot();
    this.panel.title = this.title();
    if (!read.ok) {
      this.post({ type: 'unavailable', key: this.runDir, message: read.message });
      return;
    }
    const runs = this.runList();
    this.lastRunList = JSON.stringify(runs);
    this.runListStale = false;
    const main = this.toSnapshot(this.runDir, read.value);
    const compare = this.compareSnapshots();
    this.post({ type: 'snapshot', main, compare, runs, timing: { readMs: Math.round(performance.now() - started), sentAt: Date.now() } });
  }

  /** Sends what changed since the last message (the throttled task). */
  private flush(): void {
    if (!this.host.ready || this.disposed) return;
    const deltas: RunDelta[] = [];
    const mainRead = this.main.poll();
    if (!mainRead.ok) {
      this.post({ type: 'unavailable', key: this.runDir, message: mainRead.message });
    } else if (mainRead.value) {
      deltas.push(this.toDelta(this.runDir, mainRead.value));
      if (mainRead.value.info) this.panel.title = `${mainRead.value.info.name} · Dashboard`;
    }
    let compareGone = false;
    for (const [dir, feed] of [...this.compare]) {
      const read = feed.poll();
      if (!read.ok) {
        feed.dispose();
        this.compare.delete(dir);
        compareGone = true;
      } else if (read.value) deltas.push(this.toDelta(dir, read.value));
    }
    if (deltas.length > 0) this.post({ type: 'update', runs: deltas });
    if (compareGone) this.sendCompare();
    if (this.runListStale) {
      this.runListStale = false;
      const runs = this.runList();
      const json = JSON.stringify(runs);
      if (json !== this.lastRunList) {
        this.lastRunList = json;
        this.post({ type: 'runList', runs });
      }
    }
  }

  private runList(): RunChoice[] {
    return this.deps.store
      .list()
      .filter((s) => s.dir !== this.runDir)
      .map((s) => runChoice(s, this.deps.controller.findByRunDir(s.dir)?.state))
      .filter((c): c is RunChoice => c !== undefined);
  }

  private sampleRefs(dir: string, samples: SampleEntry[]): SampleRef[] {
    return samples.map((s) => ({ step: s.step, epoch: s.epoch, time: Date.parse(s.time), uri: this.fileUri(dir, s.file) }));
  }

  private fileUri(dir: string, file: string): string {
    return this.panel.webview.asWebviewUri(vscode.Uri.file(path.join(dir, file))).toString();
  }

  private toSnapshot(dir: string, s: FeedSnapshot): RunSnapshot {
    return { info: s.info, metrics: s.metrics, samples: this.sampleRefs(dir, s.samples), realGrid: s.hasRealGrid ? this.fileUri(dir, REAL_GRID_FILE) : null, quality: s.quality };
  }

  private toDelta(dir: string, d: FeedDelta): RunDelta {
    const delta: RunDelta = { key: dir };
    if (d.info) delta.info = d.info;
    if (d.append) delta.append = d.append;
    if (d.replace) delta.replace = d.replace;
    if (d.samples) delta.samples = this.sampleRefs(dir, d.samples);
    if (d.hasRealGrid !== undefined) delta.realGrid = d.hasRealGrid ? this.fileUri(dir, REAL_GRID_FILE) : null;
    if (d.quality) delta.quality = d.quality;
    return delta;
  }

  // ---- exports ----

  private exportFolder(): vscode.Uri {
    return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.runDir);
  }

  private async exportCsv(): Promise<void> {
    const runs = [this.runDir, ...this.compare.keys()].flatMap((dir) => {
      const m = this.deps.store.get(dir)?.manifest;
      return m ? [{ id: m.id, name: m.name, records: readMetrics(dir).records }] : [];
    });
    if (runs.length === 0) throw new Error('The run cannot be read, so there is nothing to export.');
    const name = `${fileSlug(runs[0].name)}-metrics.csv`;
    const file = await this.saveAs('csv', name, new TextEncoder().encode(metricsCsv(runs)));
    if (file) {
      const rows = runs.reduce((n, r) => n + r.records.length, 0);
      void this.announce(`Exported ${rows.toLocaleString('en-US')} records${runs.length > 1 ? ` of ${runs.length} runs` : ''} to ${file.fsPath}.`, file);
    }
  }

  private async exportFile(kind: 'png' | 'gif', fileName: string, data: Uint8Array): Promise<void> {
    const base = path.basename(fileName).replace(/[^\w.-]+/g, '-') || `dashboard.${kind}`;
    const name = base.toLowerCase().endsWith(`.${kind}`) ? base : `${base}.${kind}`;
    const file = await this.saveAs(kind, name, data);
    if (file) void this.announce(`Saved ${kind === 'gif' ? 'the grid timeline' : 'the chart'} to ${file.fsPath}.`, file);
  }

  /** Asks where to save, writes atomically, tells the webview; undefined when cancelled. */
  private async saveAs(kind: ExportKind, name: string, data: Uint8Array): Promise<vscode.Uri | undefined> {
    const uri = await vscode.window.showSaveDialog({
      title: kind === 'csv' ? 'Export the loss data as CSV' : kind === 'png' ? 'Export the chart as PNG' : 'Export the grid timeline as an animated GIF',
      defaultUri: vscode.Uri.joinPath(this.exportFolder(), name),
      filters: EXPORT_FILTERS[kind],
    });
    if (!uri) {
      this.post({ type: 'exported', kind, file: null });
      return undefined;
    }
    try {
      if (uri.scheme === 'file') writeFileAtomic(uri.fsPath, data);
      else await vscode.workspace.fs.writeFile(uri, data);
    } catch (error) {
      this.post({ type: 'exported', kind, file: null });
      const hint = error instanceof WriteError ? ` ${error.hint}` : '';
      throw new Error(`${(error as Error).message}.${hint}`);
    }
    this.post({ type: 'exported', kind, file: uri.fsPath });
    return uri;
  }

  private async announce(text: string, file: vscode.Uri): Promise<void> {
    const choice = await vscode.window.showInformationMessage(text, 'Open');
    if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', file, { viewColumn: vscode.ViewColumn.Beside });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const feed of this.compare.values()) feed.dispose();
    this.compare.clear();
    this.disposeEmitter.fire();
    void this.disposables.dispose();
    this.panel.dispose();
  }
}
