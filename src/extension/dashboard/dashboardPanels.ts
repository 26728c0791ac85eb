/**
 * The training dashboards: one panel per run, opened beside the editor (when training starts, from
 * the Runs tree, or with "GAN Studio: Open Dashboard"), and brought back after a reload by the
 * webview panel serializer, on the same run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_OPEN_DASHBOARD, DASHBOARD_VIEW_TYPE, parseViewState } from '../../protocol/dashboardProtocol';
import { RUN_MANIFEST } from '../../protocol/runFormat';
import { displayStatus } from '../runs/runTreeModel';
import { DisposableStore } from '../util/disposable';
import { DashboardDeps, DashboardPanel } from './dashboardPanel';

/** A run folder, or anything with one (a Runs tree node). */
type Target = string | { dir: string } | undefined;

export class DashboardPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  static readonly viewType = DASHBOARD_VIEW_TYPE;
  private readonly disposables = new DisposableStore();
  private readonly panels = new Map<string, DashboardPanel>();

  private constructor(private readonly deps: DashboardDeps) {}

  static register(deps: DashboardDeps): DashboardPanels {
    const panels = new DashboardPanels(deps);
    panels.disposables.add(vscode.window.registerWebviewPanelSerializer(DashboardPanels.viewType, panels));
    panels.disposables.add(vscode.commands.registerCommand(COMMAND_OPEN_DASHBOARD, (target?: Target) => panels.openCommand(target)));
    return panels;
  }

  /** The panel showing a run, if one is open. */
  get(runDir: string): DashboardPanel | undefined {
    return this.panels.get(runDir);
  }

  /** Opens the dashboard of `keys[0]` comparing the other runs with it. */
  async openCompare(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.open(keys[0]);
    this.panels.get(keys[0])?.showCompare(keys.slice(1));
  }

  /** Opens (or reveals) the dashboard of a run beside the editor, without taking the focus. */
  async open(runDir: string): Promise<void> {
    const existing = this.panels.get(runDir);
    if (existing) {
      existing.reveal();
      return;
    }
    if (!this.deps.store.get(runDir) && fs.existsSync(path.join(runDir, RUN_MANIFEST))) this.deps.store.refresh([runDir]);
    const hasEditors = vscode.window.tabGroups.all.some((g) => g.tabs.length > 0);
    const panel = vscode.window.createWebviewPanel(
      DashboardPanels.viewType,
      'Dashboard',
      { viewColumn: hasEditors ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [] },
    );
    this.track(new DashboardPanel(panel, runDir, this.deps));
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const view = parseViewState(state);
    if (!view || this.panels.has(view.runDir)) {
      // Nothing says which run it showed (or another panel shows it already): do not keep an empty panel.
      panel.dispose();
      return;
    }
    this.track(new DashboardPanel(panel, view.runDir, this.deps));
  }

  private track(dashboard: DashboardPanel): void {
    this.panels.set(dashboard.runDir, dashboard);
    dashboard.onDidDispose(() => {
      if (this.panels.get(dashboard.runDir) === dashboard) this.panels.delete(dashboard.runDir);
    });
  }

  /** "GAN Studio: Open Dashboard": the given run, else the run training now, else the one the user picks. */
  private async openCommand(target: Target): Promise<void> {
    const dir = typeof target === 'string' ? target : target?.dir;
    if (dir) return this.open(dir);
    const training = this.deps.controller.active.filter((r) => r.runDir && !r.ended);
    if (training.length === 1) return this.open(training[0].runDir!);
    const runs = this.deps.store.list().filter((r) => r.manifest);
    if (runs.length === 0) {
      const choice = await vscode.window.showInformationMessage('There are no GAN Studio runs to show yet.', 'Train GAN');
      if (choice) await vscode.commands.executeCommand('ganStudio.trainGan');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((r) => {
        const active = this.deps.controller.findByRunDir(r.dir);
        return { label: r.manifest!.name, description: `${displayStatus(r, active ? { paused: active.paused } : undefined)} · ${r.id}`, dir: r.dir };
      }),
      { title: 'GAN Studio: Open Dashboard', placeHolder: 'Show which run?' },
    );
    if (picked) await this.open(picked.dir);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    void this.disposables.dispose();
  }
}
