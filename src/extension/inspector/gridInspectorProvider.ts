/**
 * The grid inspector: a read-only custom editor for sample grids (`*.grid.png`, the default
 * editor for them; other PNGs keep VS Code's image preview and "Open With…" switches). The
 * webview (webview/inspector) shows the grid pixel-exact with zoom, a step slider over the run's
 * grids, a cell's history across training, and an A/B comparison with another run; this side
 * feeds it the run folders and follows them on disk.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever } from '../../protocol/experimentConfig';
import { HostToInspector, INSPECTOR_VIEW_TYPE, InspectorDocument, InspectorToHost, nearestStepIndex, parseInspectorMessage, Problem } from '../../protocol/inspectorProtocol';
import { checkpointDir } from '../../common/runReader';
import { COMMAND_OPEN_PLAYGROUND } from '../playground/playgroundPanel';
import { RunStore, RunSummary } from '../runs/runStore';
import { DisposableStore } from '../util/disposable';
import { WebviewHost } from '../webviewHost';
import { inspectorRun, locateGrid, runChoices } from './inspectorModel';
import { checkPng, PngProblem } from './pngCheck';

/** What to do about a damaged grid: in a run it can be rendered again, elsewhere only copied again. */
function damagedGridHint(inRun: boolean): string {
  return inRun
    ? 'GAN Studio writes grids atomically, so something else changed or truncated this file. Delete it; resuming the run from a checkpoint before this step renders it again.'
    : 'The file was changed or cut short after it was written. If it came from a run folder, copy it from there again.';
}

class GridDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    // Nothing is held per document: each editor reads the file itself.
  }
}

export class GridInspectorProvider implements vscode.CustomReadonlyEditorProvider<GridDocument> {
  static readonly viewType = INSPECTOR_VIEW_TYPE;

  static register(extensionUri: vscode.Uri, store: RunStore, log: (line: string) => void): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(GridInspectorProvider.viewType, new GridInspectorProvider(extensionUri, store, log), {
      // The webview restores its view state (zoom, step, selection) itself after being hidden.
      webviewOptions: { retainContextWhenHidden: false, enableFindWidget: false },
      supportsMultipleEditorsPerDocument: true,
    });
  }

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: RunStore,
    private readonly log: (line: string) => void,
  ) {}

  openCustomDocument(uri: vscode.Uri): GridDocument {
    return new GridDocument(uri);
  }

  resolveCustomEditor(document: GridDocument, panel: vscode.WebviewPanel): void {
    const session = new InspectorSession(document.uri, panel, this.extensionUri, this.store, this.log);
    panel.onDidDispose(() => void session.dispose());
  }
}

/** One inspector editor: its webview, the runs it shows and their watchers. */
class InspectorSession {
  private readonly disposables = new DisposableStore();
  private readonly host: WebviewHost<HostToInspector, InspectorToHost>;
  private readonly file: string;
  private readonly runDir: string | null;
  /** The store that watches the document's run (the shared one, or a private one for a run outside the runs root). */
  private readonly runStore: RunStore;
  private compareDir: string | null = null;
  private lastRunsJson = '';

  constructor(
    private readonly uri: vscode.Uri,
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly store: RunStore,
    log: (line: string) => void,
  ) {
    this.file = uri.fsPath;
    const location = locateGrid(this.file);
    this.runDir = location.runDir;
    this.runStore = store;
    this.host = this.disposables.add(
      new WebviewHost<HostToInspector, InspectorToHost>(panel, { name: 'inspector', extensionUri, parse: parseInspectorMessage, handle: (m) => this.onMessage(m), log }),
    );
    const roots = [vscode.Uri.file(store.root)];
    if (!isInside(this.file, store.root)) roots.push(vscode.Uri.file(this.runDir ?? path.dirname(this.file)));
    if (this.runDir && !isInside(this.runDir, store.root)) {
      // A run written somewhere else (e.g. `gan-studio-train --out`): watch its parent folder too.
      this.runStore = this.disposables.add(new RunStore(path.dirname(this.runDir)));
    }
    this.host.setPage({ bundle: 'inspector', title: path.basename(this.file), loadingText: 'Loading the grid…', roots });
    const onChange = (changedDirs: string[]) => {
      if (this.runDir && changedDirs.includes(this.runDir)) this.postRun();
      if (this.compareDir && changedDirs.includes(this.compareDir)) this.postCompare();
      this.postRuns();
    };
    this.disposables.add(store.onDidChange((c) => onChange([...c.changed.map((r) => r.dir), ...c.removed, ...c.files.keys()])));
    if (this.runStore !== store) this.disposables.add(this.runStore.onDidChange((c) => onChange([...c.changed.map((r) => r.dir), ...c.files.keys()])));
    if (!this.runDir) {
      // A grid outside any run: follow the file itself.
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(this.file)), path.basename(this.file)));
      this.disposables.add(watcher);
      this.disposables.add(watcher.onDidChange(() => this.postInit()));
    }
  }

  private post(message: HostToInspector): void {
    this.host.post(message);
  }

  private onMessage(message: InspectorToHost): void {
    switch (message.type) {
      case 'ready':
        this.postInit();
        return;
      case 'compare':
        this.compareDir = message.dir && this.summary(message.dir) ? message.dir : null;
        this.postCompare();
        return;
      case 'gridFailed':
        this.diagnose(message.src);
        return;
      case 'openWithImagePreview':
        void vscode.commands.executeCommand('vscode.openWith', this.uri, 'imagePreview.previewEditor');
        return;
      case 'openPlayground':
        void this.openPlayground(message.step);
        return;
      default:
        assertNever(message);
    }
  }

  private summary(dir: string): RunSummary | undefined {
    return this.store.get(dir) ?? this.runStore.get(dir);
  }

  /** The webview URI of a file, with its modification time so a rewritten file is loaded again. */
  private src = (file: string): string => {
    let version = 0;
    try {
      version = Math.round(fs.statSync(file).mtimeMs);
    } catch {
      // Gone: the webview reports the failed load and gets a diagnosis.
    }
    return `${this.panel.webview.asWebviewUri(vscode.Uri.file(file)).toString()}?v=${version}`;
  };

  private postInit(): void {
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(this.file);
    } catch (error) {
      this.post({ type: 'error', problem: { message: `Cannot read ${this.file}: ${(error as Error).message}`, hint: 'The file may have been deleted or moved; close this editor.' } });
      return;
    }
    let info;
    try {
      info = checkPng(bytes, path.basename(this.file), damagedGridHint(this.runDir !== null));
    } catch (error) {
      this.post({ type: 'error', problem: problemOf(error) });
      return;
    }
    const location = locateGrid(this.file);
    const summary = this.runDir ? this.summary(this.runDir) : undefined;
    const run = summary ? inspectorRun(summary, this.src) : null;
    const fromText = (key: string) => (info.text[key] !== undefined && Number.isFinite(Number(info.text[key])) ? Number(info.text[key]) : null);
    const entry = run?.grids.find((g) => path.basename(g.file) === path.basename(this.file)) ?? run?.grids.find((g) => g.step === location.step);
    let notice: string | null = null;
    if (!this.runDir) notice = 'This grid is not inside a run folder (<run>/samples/), so there is no step slider, history or comparison.';
    else if (!run) notice = `The run's run.json cannot be read${summary?.loadError ? `: ${summary.loadError}` : ''}; only this grid is shown.`;
    const document: InspectorDocument = {
      file: this.file,
      fileName: path.basename(this.file),
      src: this.src(this.file),
      kind: location.kind,
      step: entry?.step ?? location.step ?? fromText('Step'),
      epoch: entry?.epoch ?? fromText('Epoch'),
      width: info.width,
      height: info.height,
      run,
      notice,
    };
    this.post({ type: 'init', document, runs: this.choices() });
    if (this.compareDir) this.postCompare();
  }

  private choices() {
    return runChoices(this.store.list(), this.runDir);
  }

  private postRun(): void {
    const summary = this.runDir ? this.summary(this.runDir) : undefined;
    const run = summary ? inspectorRun(summary, this.src) : null;
    if (run) this.post({ type: 'run', run });
  }

  private postRuns(): void {
    const runs = this.choices();
    const json = JSON.stringify(runs);
    if (json === this.lastRunsJson) return;
    this.lastRunsJson = json;
    this.post({ type: 'runs', runs });
  }

  private postCompare(): void {
    const summary = this.compareDir ? this.summary(this.compareDir) : undefined;
    this.post({ type: 'compare', run: summary ? inspectorRun(summary, this.src) : null });
  }

  /** Says why an image the webview could not decode is broken. */
  private diagnose(src: string): void {
    const file = this.fileOfSrc(src);
    let problem: Problem;
    if (!file) problem = { message: 'A grid could not be loaded.', hint: 'Reopen the editor.' };
    else if (!fs.existsSync(file)) problem = { message: `${path.basename(file)} is missing.`, hint: 'The run lists it, but the file was deleted or moved.' };
    else {
      try {
        checkPng(fs.readFileSync(file), path.basename(file), damagedGridHint(true));
        problem = { message: `${path.basename(file)} could not be displayed, although it is a valid PNG.`, hint: 'Reopen the editor; if it persists, open the file with VS Code’s image preview.' };
      } catch (error) {
        problem = problemOf(error);
      }
    }
    this.post({ type: 'gridProblem', src, problem });
  }

  private fileOfSrc(src: string): string | undefined {
    const candidates = [this.runDir, this.compareDir].flatMap((dir) => {
      const summary = dir ? this.summary(dir) : undefined;
      const run = summary ? inspectorRun(summary, this.src) : null;
      return run ? [...run.grids.map((g) => ({ src: g.src, file: path.join(run.dir, g.file) })), ...(run.real ? [{ src: run.real.src, file: path.join(run.dir, run.real.file) }] : [])] : [];
    });
    const stripQuery = (s: string) => s.replace(/\?.*$/, '');
    return candidates.find((c) => stripQuery(c.src) === stripQuery(src))?.file ?? (stripQuery(src) === stripQuery(this.src(this.file)) ? this.file : undefined);
  }

  private async openPlayground(step: number): Promise<void> {
    const m = this.runDir ? this.summary(this.runDir)?.manifest : undefined;
    if (!m || m.checkpoints.length === 0) {
      void vscode.window.showInformationMessage('This run has no checkpoint yet: checkpoints are saved at the end of each epoch and when a run stops.');
      return;
    }
    // Grids and checkpoints count iterations completed alike (src/protocol/steps.ts).
    const checkpoint = m.checkpoints[nearestStepIndex(m.checkpoints, step)];
    await vscode.commands.executeCommand(COMMAND_OPEN_PLAYGROUND, checkpointDir(this.runDir!, checkpoint.id));
  }

  async dispose(): Promise<void> {
    await this.disposables.dispose();
  }
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function problemOf(error: unknown): Problem {
  if (error instanceof PngProblem) return { message: error.message, hint: error.hint };
  return { message: (error as Error).message };
}
