/**
 * Sweeps in the extension: Train GAN on an experiment file with a `"sweep"` starts one; the Runs
 * view's sweep node opens the comparison (the dashboard comparing its runs, or the runs table
 * filtered to it), stops and resumes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listSweeps, readSweep } from '../../common/sweepFiles';
import { SweepBusyError } from '../../common/sweepRunner';
import { planSweep, SweepManifest, SWEEP_WARN_COMBINATIONS } from '../../protocol/sweepFormat';
import type { RunStore } from '../runs/runStore';
import { applyRunSettings, readSettings, runsRoot } from '../settings';
import type { SweepController } from './sweepController';
import { membersBySweep } from './sweepTreeModel';

/** A sweep node of the Runs tree, a sweep id, or nothing (then the command asks). */
type SweepTarget = { kind: 'sweep'; id: string } | string | undefined;

export const SWEEP_COMMANDS = {
  openComparison: 'ganStudio.openSweepComparison',
  openTable: 'ganStudio.openSweepTable',
  stop: 'ganStudio.stopSweep',
  resume: 'ganStudio.resumeSweep',
} as const;

export interface SweepCommandDeps {
  store: RunStore;
  sweeps: SweepController;
  output: vscode.OutputChannel;
  openCompare(dirs: string[]): Promise<void>;
  openTable(scope: { sweepId: string; title: string }): void;
  revealSweep(id: string): Promise<void>;
}

export class SweepCommands {
  constructor(private readonly deps: SweepCommandDeps) {}

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.commands.registerCommand(SWEEP_COMMANDS.openComparison, (t: SweepTarget) => this.withSweep(t, (m) => this.openComparison(m))),
      vscode.commands.registerCommand(SWEEP_COMMANDS.openTable, (t: SweepTarget) => this.withSweep(t, (m) => this.deps.openTable({ sweepId: m.id, title: `Runs · sweep ${m.name}` }))),
      vscode.commands.registerCommand(SWEEP_COMMANDS.stop, (t: SweepTarget) => this.withSweep(t, (m) => this.stop(m))),
      vscode.commands.registerCommand(SWEEP_COMMANDS.resume, (t: SweepTarget) => this.withSweep(t, (m) => this.resume(m))),
      this.deps.sweeps.onDidStartMember(({ sweep }) => {
        if (readSettings().openDashboardOnStart) void this.openComparison(sweep);
      }),
    );
  }

  /** The member runs of a sweep that exist, in plan order. */
  memberDirs(id: string): string[] {
    const runs = membersBySweep(this.deps.store.list()).get(id);
    return runs ? [...runs.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r.dir) : [];
  }

  async openComparison(m: SweepManifest): Promise<void> {
    const dirs = this.memberDirs(m.id);
    if (dirs.length === 0) {
      void vscode.window.showInformationMessage(`The sweep “${m.name}” has no runs yet: resume it to train its members.`);
      return;
    }
    await this.deps.openCompare(dirs);
  }

  private async stop(m: SweepManifest): Promise<void> {
    if (!this.deps.sweeps.isActive(m.id)) {
      void vscode.window.showInformationMessage(`The sweep “${m.name}” is not running in this window.`);
      return;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Stopping the sweep “${m.name}”` }, () => this.deps.sweeps.stop(m.id));
  }

  private async resume(m: SweepManifest): Promise<void> {
    if (!(await this.trusted(m.name))) return;
    try {
      this.deps.sweeps.run(this.deps.store.root, m.id);
    } catch (error) {
      const message = error instanceof SweepBusyError ? error.message : `Could not resume the sweep “${m.name}”: ${(error as Error).message}`;
      void vscode.window.showWarningMessage(message);
    }
  }

  /** Train GAN on an experiment file with a sweep: plan it, confirm a big one, start it. */
  async startFromFile(uri: vscode.Uri, input: Record<string, unknown>): Promise<SweepManifest | undefined> {
    const root = runsRoot();
    if (!root) return undefined;
    const label = path.basename(uri.fsPath, '.gan.json');
    const { plan, problems } = planSweep('name' in input ? input : { ...input, name: label });
    const where = vscode.workspace.asRelativePath(uri);
    if (!plan) {
      const open = await vscode.window.showErrorMessage(`${where} cannot train: ${problems.map((p) => p.message).join(' ')} Fix the file and try again.`, 'Open File');
      if (open) await vscode.window.showTextDocument(uri);
      return undefined;
    }
    if (plan.members.length > SWEEP_WARN_COMBINATIONS) {
      const go = await vscode.window.showWarningMessage(
        `${where} is a sweep of ${plan.members.length} runs. Train all of them?`,
        { modal: true, detail: `${plan.parallel > 1 ? `${plan.parallel} at a time` : 'One at a time'}; a stopped sweep resumes where it stopped.` },
        'Train All',
      );
      if (go !== 'Train All') return undefined;
    }
    if (!(await this.trusted(plan.name))) return undefined;
    const explicit = new Set([...Object.keys(input), ...plan.keys]);
    for (const m of plan.members) m.config = applyRunSettings(m.config, explicit);
    const sweep = this.deps.sweeps.create(root, plan, uri.fsPath);
    this.deps.output.appendLine(`Sweep “${plan.name}” (${sweep.id}): ${plan.members.length} runs over ${plan.keys.join(' × ')}, ${plan.parallel} at a time.`);
    await this.deps.revealSweep(sweep.id);
    return sweep.current;
  }

  private async trusted(name: string): Promise<boolean> {
    if (vscode.workspace.isTrusted) return true;
    const choice = await vscode.window.showWarningMessage(`The sweep “${name}” waits for workspace trust: GAN Studio trains only in a trusted workspace.`, 'Manage Workspace Trust');
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
    return false;
  }

  private async withSweep(target: SweepTarget, action: (m: SweepManifest) => unknown): Promise<void> {
    let id = typeof target === 'string' ? target : target?.id;
    if (!id) {
      const all = listSweeps(this.deps.store.root).flatMap((s) => ('manifest' in s ? [s.manifest] : []));
      if (all.length === 0) {
        void vscode.window.showInformationMessage('There is no sweep yet: add "sweep": {"learningRate": [0.0001, 0.0002]} to an experiment file and train it.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        all.map((m) => ({ label: m.name, description: `${m.members.length} runs · ${m.state} · ${m.id}`, id: m.id })),
        { placeHolder: 'Which sweep?' },
      );
      id = picked?.id;
    }
    if (!id) return;
    let manifest: SweepManifest;
    try {
      manifest = readSweep(this.deps.store.root, id);
    } catch (error) {
      void vscode.window.showErrorMessage((error as Error).message);
      return;
    }
    try {
      await action(manifest);
    } catch (error) {
      void vscode.window.showErrorMessage(`GAN Studio: ${(error as Error).message}`);
    }
  }
}
