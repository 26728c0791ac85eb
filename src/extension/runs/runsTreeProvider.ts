/** The Runs view: runs from the run store, their checkpoints and sample grids. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingController } from '../training/trainingController';
import { DisposableStore } from '../util/disposable';
import { checkpointViews, ChildKind, differingConfigKeys, LeafView, NodeView, runChildren, runView, sampleViews } from './runTreeModel';
import type { RunStore, RunStoreChange } from './runStore';
import { SweepTreeSource } from '../sweeps/sweepTreeSource';

export type RunsNode =
  | { kind: 'run'; dir: string }
  | { kind: 'group'; dir: string; group: ChildKind }
  | { kind: 'checkpoint'; dir: string; id: string }
  | { kind: 'sample'; dir: string; file: string }
  /** "Show more runs": the view lists runs a page at a time, so thousands of runs show their first rows at once. */
  | { kind: 'more'; dir: string; shown: number; total: number }
  /** A sweep (`dir`: its folder under sweeps/), with its member runs as children. */
  | { kind: 'sweep'; dir: string; id: string }
  /** A sweep member without a run yet. */
  | { kind: 'sweepMember'; dir: string; id: string; index: number };

/** Runs listed before a "Show more" row (VS Code resolves every listed item, visible or not). */
export const RUNS_PAGE = 200;
const COMMAND_SHOW_MORE_RUNS = 'ganStudio.showMoreRuns';

export const COMMAND_OPEN_SAMPLE = 'ganStudio.openSample';

function toItem(view: NodeView, id: string, expanded = false): vscode.TreeItem {
  const item = new vscode.TreeItem(
    view.label,
    view.collapsible ? (expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed) : vscode.TreeItemCollapsibleState.None,
  );
  item.id = id;
  item.description = view.description;
  if (view.tooltip) item.tooltip = new vscode.MarkdownString(view.tooltip, true);
  item.iconPath = new vscode.ThemeIcon(view.icon.id, view.icon.color ? new vscode.ThemeColor(view.icon.color) : undefined);
  item.contextValue = view.contextValue;
  return item;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  static readonly viewId = 'ganStudio.runs';
  private readonly changeEmitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly disposables = new DisposableStore();
  private readonly nodes = new Map<string, RunsNode>();

  /** Sweeps: their nodes and which runs sit under them (src/extension/sweeps/). */
  readonly sweeps: SweepTreeSource;

  constructor(
    private readonly store: RunStore,
    private readonly controller: TrainingController,
  ) {
    this.disposables.add(this.changeEmitter);
    this.sweeps = new SweepTreeSource(store);
    this.disposables.add(this.sweeps.onDidChange((node) => this.changeEmitter.fire(node)));
    this.disposables.add(store.onDidChange((change) => this.onStoreChange(change)));
    this.disposables.add(
      controller.onDidStart((run) => {
        // The one explicit read of a run that starts (the command reveals it right after; the watcher follows its files).
        if (run.runDir) store.refresh([run.runDir]);
        const sub = run.onDidChange(() => this.refreshRun(run.runDir));
        void run.done.then(() => sub.dispose());
      }),
    );
    this.disposables.add(controller.onDidEnd(({ run }) => run.runDir && store.refresh([run.runDir])));
    this.disposables.add(
      vscode.commands.registerCommand(COMMAND_SHOW_MORE_RUNS, () => {
        this.limit += RUNS_PAGE * 5;
        this.changeEmitter.fire(undefined);
      }),
    );
  }

  /** How many runs the view lists now; grows with "Show more". */
  private limit = RUNS_PAGE;

  static register(store: RunStore, controller: TrainingController): { provider: RunsTreeProvider; view: vscode.TreeView<RunsNode>; disposable: vscode.Disposable } {
    const provider = new RunsTreeProvider(store, controller);
    const view = vscode.window.createTreeView(RunsTreeProvider.viewId, { treeDataProvider: provider, showCollapseAll: true });
    return { provider, view, disposable: vscode.Disposable.from(view, provider) };
  }

  private lastPaused = new Map<string, boolean>();
  /** What each shown run row was drawn from, so that appends to a run's metrics redraw nothing. */
  private readonly drawnFrom = new Map<string, string>();

  /**
   * A run added or removed redraws the list; otherwise only the runs whose manifest or notes
   * changed are redrawn. A training run's metrics are appended every step and the watcher reports
   * them within 250 ms: redrawing every row that often would drop the user's clicks on rows.
   */
  private onStoreChange(change: RunStoreChange): void {
    if (change.removed.length > 0 || change.changed.some((s) => !this.nodes.has(s.dir))) {
      this.drawnFrom.clear();
      this.changeEmitter.fire(undefined);
      return;
    }
    for (const summary of change.changed) {
      const key = `${summary.manifest?.updatedAt ?? ''}|${summary.interrupted}|${summary.loadError ?? ''}|${JSON.stringify(summary.notes ?? null)}`;
      if (this.drawnFrom.get(summary.dir) === key) continue;
      this.drawnFrom.set(summary.dir, key);
      this.changeEmitter.fire(this.nodes.get(summary.dir));
      const sweepNode = this.sweeps.nodeOfRun(summary);
      if (sweepNode) this.changeEmitter.fire(sweepNode);
    }
  }

  /** Re-renders a run whose live state (running/paused) changed. */
  private refreshRun(dir: string | undefined): void {
    if (!dir) return;
    const paused = this.controller.findByRunDir(dir)?.paused ?? false;
    if (this.lastPaused.get(dir) === paused) return;
    this.lastPaused.set(dir, paused);
    this.changeEmitter.fire(this.nodes.get(dir));
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const run = this.store.get(node.dir);
    switch (node.kind) {
      case 'run': {
        const active = this.controller.findByRunDir(node.dir);
        const context = { differing: this.differing(), now: Date.now() };
        return toItem(runView(run ?? { dir: node.dir, id: path.basename(node.dir), interrupted: false, sortKey: '' }, active ? { paused: active.paused } : undefined, context), node.dir);
      }
      case 'group': {
        const view = run ? runChildren(run).find((g) => g.kind === node.group) : undefined;
        const item = toItem(view ?? { label: node.group, icon: { id: 'folder' }, contextValue: node.group, collapsible: false }, `${node.dir}#${node.group}`);
        if (node.group === 'error') item.command = { title: 'Show Log', command: 'ganStudio.showLog', arguments: [node.dir] };
        return item;
      }
      case 'checkpoint': {
        const view = run?.manifest ? checkpointViews(run.manifest, (t) => timeFormat.format(new Date(t))).find((c) => c.target === node.id) : undefined;
        return toItem(view ?? { label: node.id, icon: { id: 'save' }, contextValue: 'checkpoint', collapsible: false }, `${node.dir}#ckpt:${node.id}`);
      }
      case 'more': {
        const item = toItem(
          { label: `Show ${Math.min(RUNS_PAGE * 5, node.total - node.shown).toLocaleString('en-US')} more runs`, description: `${node.shown.toLocaleString('en-US')} of ${node.total.toLocaleString('en-US')} shown · the runs table lists all`, icon: { id: 'ellipsis' }, contextValue: 'moreRuns', collapsible: false },
          `more:${node.shown}`,
        );
        item.command = { title: 'Show More Runs', command: COMMAND_SHOW_MORE_RUNS };
        return item;
      }
      case 'sweep':
      case 'sweepMember':
        return this.sweeps.getTreeItem(node, toItem);
      case 'sample': {
        const view: LeafView | undefined = run?.manifest ? sampleViews(run.manifest).find((s) => s.target === node.file) : undefined;
        const item = toItem(view ?? { label: node.file, icon: { id: 'file-media' }, contextValue: 'sample', collapsible: false }, `${node.dir}#sample:${node.file}`);
        item.resourceUri = vscode.Uri.file(path.join(node.dir, node.file));
        item.command = { title: 'Open Sample Grid', command: COMMAND_OPEN_SAMPLE, arguments: [node] };
        return item;
      }
    }
  }

  private differingCache: string[] | undefined;

  /** The config keys that tell the runs apart, computed once per change of the runs. */
  private differing(): string[] {
    return (this.differingCache ??= differingConfigKeys(this.store.list()));
  }

  getChildren(node?: RunsNode): RunsNode[] {
    if (!node) {
      this.nodes.clear();
      this.differingCache = undefined;
      // Runs of a sweep sit under its node, which takes the place of its newest member.
      const { top, members } = this.sweeps.arrange(this.store.list());
      for (const dir of members) this.nodes.set(dir, { kind: 'run', dir });
      const nodes: RunsNode[] = top.slice(0, this.limit).map((r) => {
        if (r.kind === 'sweep') return r.node;
        const n: RunsNode = { kind: 'run', dir: r.dir };
        this.nodes.set(r.dir, n);
        return n;
      });
      if (top.length > this.limit) nodes.push({ kind: 'more', dir: this.store.root, shown: this.limit, total: top.length });
      return nodes;
    }
    if (node.kind === 'sweep') return this.sweeps.children(node).map((c) => (c.kind === 'run' ? this.nodes.get(c.dir) ?? c : c));
    if (node.kind === 'sweepMember') return [];
    const run = this.store.get(node.dir);
    if (!run?.manifest) return [];
    if (node.kind === 'run') return runChildren(run).map((g) => ({ kind: 'group', dir: node.dir, group: g.kind }));
    if (node.kind === 'group' && node.group === 'checkpoints') return checkpointViews(run.manifest, String).map((c) => ({ kind: 'checkpoint', dir: node.dir, id: c.target }));
    if (node.kind === 'group' && node.group === 'samples') return sampleViews(run.manifest).map((s) => ({ kind: 'sample', dir: node.dir, file: s.target }));
    return [];
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'run') return this.sweeps.nodeOfRun(this.store.get(node.dir));
    if (node.kind === 'more' || node.kind === 'sweep') return undefined;
    if (node.kind === 'sweepMember') return this.sweeps.node(node.id);
    if (node.kind === 'group') return { kind: 'run', dir: node.dir };
    return { kind: 'group', dir: node.dir, group: node.kind === 'checkpoint' ? 'checkpoints' : 'samples' };
  }

  runNode(dir: string): RunsNode | undefined {
    return this.nodes.get(dir);
  }

  dispose(): void {
    this.sweeps.dispose();
    void this.disposables.dispose();
  }
}
