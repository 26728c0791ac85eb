/**
 * The runs table: one webview panel with every run (opened from the Runs view's title bar or the
 * palette). Sends the rows, refreshed when runs change; writes tags and notes to the run folders;
 * opens runs and Compare in the dashboard; saves exports. Restored after a reload.
 */
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../common/atomicFile';
import { writeRunNotes } from '../../common/runNotesFile';
import { COMMAND_OPEN_RUNS_TABLE, parseTableWebviewMessage, RUNS_TABLE_VIEW_TYPE, TableHostMessage, TableWebviewMessage } from '../../protocol/runsTableProtocol';
import type { RunStore } from '../runs/runStore';
import type { TrainingController } from '../training/trainingController';
import { DisposableStore } from '../util/disposable';
import { WebviewHost } from '../webviewHost';
import { runRow } from './runRows';

export interface RunsTableDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  controller: TrainingController;
  output: vscode.OutputChannel;
  openRun(dir: string): Promise<void>;
  openCompare(dirs: string[]): Promise<void>;
}

/** Quiet period before rows are sent again after runs change (a sweep writes many folders at once). */
const REFRESH_MS = 300;

export class RunsTablePanel implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = RUNS_TABLE_VIEW_TYPE;
  private readonly disposables = new DisposableStore();
  private panel: vscode.WebviewPanel | undefined;
  private host: WebviewHost<TableHostMessage, TableWebviewMessage> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Only the runs of one sweep (its swept keys are then the config columns); undefined: every run. */
  private scope: { sweepId: string; title: string } | undefined;

  private constructor(private readonly deps: RunsTableDeps) {}

  static register(deps: RunsTableDeps): RunsTablePanel {
    const table = new RunsTablePanel(deps);
    table.disposables.add(vscode.window.registerWebviewPanelSerializer(RunsTablePanel.viewType, table));
    table.disposables.add(vscode.commands.registerCommand(COMMAND_OPEN_RUNS_TABLE, () => table.open()));
    table.disposables.add(deps.store.onDidChange(() => table.scheduleRows()));
    return table;
  }

  open(scope?: { sweepId: string; title: string }): void {
    this.scope = scope;
    if (this.panel) {
      this.panel.title = scope?.title ?? 'Runs';
      this.panel.reveal();
      this.sendRows();
      return;
    }
    const panel = vscode.window.createWebviewPanel(RunsTablePanel.viewType, 'Runs', vscode.ViewColumn.Active, { enableScripts: true, retainContextWhenHidden: false });
    this.attach(panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    if (this.panel) {
      panel.dispose();
      return;
    }
    this.attach(panel);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    const disposables = new DisposableStore();
    const host = disposables.add(
      new WebviewHost<TableHostMessage, TableWebviewMessage>(panel, {
        name: 'runs table',
        extensionUri: this.deps.extensionUri,
        parse: parseTableWebviewMessage,
        handle: (message) => this.handle(message),
        log: (line) => this.deps.output.appendLine(line),
      }),
    );
    this.host = host;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'gan-studio.svg');
    panel.title = this.scope?.title ?? 'Runs';
    host.setPage({ bundle: 'runsTable', title: 'Runs', loadingText: 'Loading the runs…' });
    disposables.add(
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.host = undefined;
        void disposables.dispose();
      }),
    );
  }

  private post(message: TableHostMessage): void {
    this.host?.post(message);
  }

  private sendRows(): void {
    const scope = this.scope;
    const runs = scope ? this.deps.store.list().filter((r) => r.manifest?.sweep?.id === scope.sweepId) : this.deps.store.list();
    const rows = runs.map((run) => {
      const live = run.manifest ? this.deps.controller.findByRunDir(run.dir) : undefined;
      return runRow(run, live && !live.ended ? { paused: live.paused } : undefined);
    });
    this.post({ type: 'rows', rows });
  }

  private scheduleRows(): void {
    if (!this.panel) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sendRows();
    }, REFRESH_MS);
  }

  private async handle(message: TableWebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.sendRows();
        return;
      case 'openRun':
        await this.deps.openRun(message.key);
        return;
      case 'openCompare':
        await this.deps.openCompare(message.keys);
        return;
      case 'setNotes':
        if (!this.deps.store.get(message.key)) throw new Error(`There is no run in ${message.key} any more.`);
        writeRunNotes(message.key, message.notes);
        this.deps.store.refresh([message.key]);
        return;
      case 'export': {
        const csv = message.format === 'csv';
        const target = await vscode.window.showSaveDialog({
          title: csv ? 'Export the runs table as CSV' : 'Export the runs table as Markdown',
          filters: csv ? { CSV: ['csv'] } : { Markdown: ['md'] },
          defaultUri: vscode.Uri.file(`${this.deps.store.root}/runs.${csv ? 'csv' : 'md'}`),
        });
        if (target) writeFileAtomic(target.fsPath, message.text);
        this.post({ type: 'exported', file: target?.fsPath ?? null });
        return;
      }
      default: {
        const never: never = message;
        return never;
      }
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.panel?.dispose();
    void this.disposables.dispose();
  }
}
