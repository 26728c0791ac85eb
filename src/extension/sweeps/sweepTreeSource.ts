/**
 * The sweeps of the Runs tree: reads sweeps/<id>/sweep.json under the runs root, puts each sweep's
 * member runs under one node (in plan order, with the members that have no run yet), and redraws a
 * sweep's node when its manifest or one of its runs changes.
 */
import * as vscode from 'vscode';
import { liveSweepOwner, listSweeps, readSweep, sweepDir } from '../../common/sweepFiles';
import type { SweepManifest } from '../../protocol/sweepFormat';
import type { NodeView } from '../runs/runTreeModel';
import type { RunStore, RunSummary } from '../runs/runStore';
import type { RunsNode } from '../runs/runsTreeProvider';
import type { SweepController } from './sweepController';
import { membersBySweep, pendingMemberView, SweepFacts, sweepView } from './sweepTreeModel';

type SweepNode = Extract<RunsNode, { kind: 'sweep' }>;
type MemberNode = Extract<RunsNode, { kind: 'sweepMember' }>;

export type TopEntry = { kind: 'run'; dir: string; sortKey: string } | { kind: 'sweep'; node: SweepNode; sortKey: string };

export class SweepTreeSource implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChange = this.emitter.event;
  private readonly nodes = new Map<string, SweepNode>();
  private controller: SweepController | undefined;
  private subscription: { dispose(): void } | undefined;

  constructor(private readonly store: RunStore) {}

  /** Follows the sweeps this window drives (their manifests change as members start and end). */
  attach(controller: SweepController): void {
    this.controller = controller;
    this.subscription?.dispose();
    this.subscription = controller.onDidChange((m) => this.emitter.fire(this.nodes.get(m.id)));
  }

  /** Runs and sweeps for the top level, newest first, and the member runs that go under their sweeps. */
  arrange(runs: readonly RunSummary[]): { top: TopEntry[]; members: string[] } {
    const sweeps = listSweeps(this.store.root).flatMap((s) => ('manifest' in s ? [s.manifest] : []));
    const known = new Set(sweeps.map((s) => s.id));
    this.nodes.clear();
    const members: string[] = [];
    const top: TopEntry[] = [];
    for (const r of runs) {
      if (r.manifest?.sweep && known.has(r.manifest.sweep.id)) members.push(r.dir);
      else top.push({ kind: 'run', dir: r.dir, sortKey: r.sortKey });
    }
    const bySweep = membersBySweep(runs);
    for (const s of sweeps) {
      const node: SweepNode = { kind: 'sweep', dir: sweepDir(this.store.root, s.id), id: s.id };
      this.nodes.set(s.id, node);
      const newest = [...(bySweep.get(s.id)?.values() ?? [])].map((r) => r.sortKey).sort().pop();
      top.push({ kind: 'sweep', node, sortKey: newest && newest > s.createdAt ? newest : s.createdAt });
    }
    top.sort((a, b) => b.sortKey.localeCompare(a.sortKey));
    return { top, members };
  }

  node(id: string): SweepNode | undefined {
    return this.nodes.get(id);
  }

  nodeOfRun(run: RunSummary | undefined): SweepNode | undefined {
    const id = run?.manifest?.sweep?.id;
    return id ? this.nodes.get(id) : undefined;
  }

  /** The sweep's manifest and member runs now. */
  facts(id: string): SweepFacts | undefined {
    let manifest: SweepManifest;
    try {
      manifest = readSweep(this.store.root, id);
    } catch {
      return undefined;
    }
    const runs = membersBySweep(this.store.list()).get(id) ?? new Map<number, RunSummary>();
    const active = this.controller?.isActive(id) ?? false;
    return { manifest, runs, active, elsewhere: !active && liveSweepOwner(manifest) !== null };
  }

  children(node: SweepNode): RunsNode[] {
    const f = this.facts(node.id);
    if (!f) return [];
    return f.manifest.members.map((m): RunsNode => {
      const run = f.runs.get(m.index);
      return run ? { kind: 'run', dir: run.dir } : ({ kind: 'sweepMember', dir: node.dir, id: node.id, index: m.index } satisfies MemberNode);
    });
  }

  getTreeItem(node: SweepNode | MemberNode, toItem: (view: NodeView, id: string, expanded?: boolean) => vscode.TreeItem): vscode.TreeItem {
    const f = this.facts(node.id);
    if (!f) return toItem({ label: node.id, description: 'sweep.json cannot be read', icon: { id: 'warning' }, contextValue: 'sweepDamaged', collapsible: false }, `sweep:${node.id}`);
    if (node.kind === 'sweepMember') return toItem(pendingMemberView(f.manifest, node.index), `sweep:${node.id}#${node.index}`);
    return toItem(sweepView(f), `sweep:${node.id}`, true);
  }

  dispose(): void {
    this.subscription?.dispose();
    this.emitter.dispose();
  }
}
