/**
 * Commands on runs: stop, pause/continue, checkpoint, resume, open, rename, delete, reveal,
 * copy the config as an experiment file, show the log, open a sample grid. Each accepts a tree
 * node, a run folder path (from notifications and the status bar) or nothing (then it asks).
 * "Train GAN" is registered with its quick pick (training/trainCommand.ts) and starts through `start`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { liveOwner } from '../../common/runLock';
import { runDirProblem } from '../../common/runPaths';
import { writeJsonAtomic } from '../../common/atomicFile';
import { readRun } from '../../common/runReader';
import { configDiff } from '../../protocol/experimentConfig';
import { LOG_FILE, RUN_MANIFEST } from '../../protocol/runFormat';
import { formatStepEpoch } from '../../protocol/steps';
import type { StartParams } from '../../protocol/trainerProtocol';
import { datasetDirs, readSettings, resolveFolder } from '../settings';
import { ActiveRun, StartError, TrainingController } from '../training/trainingController';
import { displayStatus } from './runTreeModel';
import type { RunStore, RunSummary } from './runStore';
import type { RunsNode } from './runsTreeProvider';

type Target = RunsNode | string | undefined;

export interface RunCommandDeps {
  store: RunStore;
  controller: TrainingController;
  output: vscode.OutputChannel;
  /** Where downloaded data sets are kept (the extension's global storage). */
  datasetCacheDir: string;
  /** Opens a run in the dashboard; undefined until a dashboard exists. */
  openDashboard?: (runDir: string) => Promise<void>;
  /** Shows a run in the Runs view. */
  revealInTree: (runDir: string) => Promise<void>;
}

export class RunCommands {
  constructor(private readonly deps: RunCommandDeps) {}

  register(): vscode.Disposable {
    const commands: [string, (...args: never[]) => unknown][] = [
      ['ganStudio.stopTraining', (t: Target) => this.withActive(t, 'Stop which run?', (r) => r.stop())],
      ['ganStudio.pauseTraining', (t: Target) => this.withActive(t, 'Pause which run?', (r) => r.pause(), (r) => !r.paused)],
      ['ganStudio.continueTraining', (t: Target) => this.withActive(t, 'Continue which run?', (r) => r.resume(), (r) => r.paused)],
      ['ganStudio.checkpointNow', (t: Target) => this.withActive(t, 'Checkpoint which run?', (r) => this.checkpointNow(r))],
      ['ganStudio.resumeRun', (t: Target) => this.resumeRun(t)],
      ['ganStudio.resumeFromCheckpoint', (t: Target) => this.resumeFromCheckpoint(t)],
      ['ganStudio.openRun', (t: Target) => this.openRun(t)],
      ['ganStudio.renameRun', (t: Target) => this.renameRun(t)],
      ['ganStudio.deleteRun', (t: Target) => this.deleteRun(t)],
      ['ganStudio.revealRun', (t: Target) => this.revealRun(t)],
      ['ganStudio.copyRunConfig', (t: Target) => this.copyRunConfig(t)],
      ['ganStudio.showLog', (t: Target) => this.showLog(t)],
      ['ganStudio.openSample', (node: RunsNode) => this.openSample(node)],
      ['ganStudio.refreshRuns', () => this.deps.store.refresh()],
    ];
    return vscode.Disposable.from(...commands.map(([id, fn]) => vscode.commands.registerCommand(id, fn as (...args: unknown[]) => unknown)));
  }

  // ---- starting runs ----

  /** Starts a run through the controller (Train GAN and the resume commands), reveals it and opens its dashboard. */
  async start(name: string, params: Omit<StartParams, 'dataDirs' | 'cacheDir'>, options: { openDashboard?: boolean } = {}): Promise<ActiveRun | undefined> {
    if (!vscode.workspace.isTrusted) {
      // Restricted Mode: runs, dashboards and grids can be browsed; training (which runs code and
      // reads the workspace's settings for data and backends) waits until the workspace is trusted.
      const choice = await vscode.window.showWarningMessage(
        `“${name}” waits for workspace trust: GAN Studio trains only in a trusted workspace (Restricted Mode lets you browse runs, dashboards and grids).`,
        'Manage Workspace Trust',
      );
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const settings = readSettings();
    const dataDir = settings.datasetFolder ? resolveFolder(settings.datasetFolder) : undefined;
    this.deps.output.appendLine(`Starting “${name}”…`);
    try {
      const run = await this.deps.controller.start(name, { ...params, dataDirs: dataDir ? [dataDir] : [], datasetDirs: datasetDirs(settings), cacheDir: this.deps.datasetCacheDir });
      if (run.runDir) {
        // The store has read the new run already: the Runs tree refreshes it when the controller says it started.
        await this.deps.revealInTree(run.runDir);
        if (settings.openDashboardOnStart && options.openDashboard !== false && this.deps.openDashboard) await this.deps.openDashboard(run.runDir);
      }
      return run;
    } catch (error) {
      const e = error instanceof StartError ? error.error : { message: (error as Error).message, hint: undefined };
      this.deps.output.appendLine(`Could not start “${name}”: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      const choice = await vscode.window.showErrorMessage(`Could not start “${name}”: ${e.message}${e.hint ? ` ${e.hint}` : ''}`, 'Show Output', 'Open Settings');
      if (choice === 'Show Output') this.deps.output.show();
      if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'ganStudio');
      return undefined;
    }
  }

  async resumeRun(target: Target): Promise<ActiveRun | undefined> {
    const run = await this.pickRun(target, 'Resume which run?', (r) => this.isResumable(r));
    if (!run?.manifest) return undefined;
    if (!this.isResumable(run)) {
      const why = run.manifest.external
        ? 'it was trained by your own script (an external run); run the script again to train on.'
        : this.deps.controller.findByRunDir(run.dir)
          ? 'it is training now.'
          : 'another trainer is writing it.';
      void vscode.window.showWarningMessage(`“${run.manifest.name}” cannot be resumed: ${why}`);
      return undefined;
    }
    const more = run.manifest.status === 'completed' ? await this.askMoreEpochs(run) : undefined;
    if (run.manifest.status === 'completed' && more === undefined) return undefined;
    return this.start(run.manifest.name, { runsRoot: path.dirname(run.dir), resume: { runDir: run.dir, overrides: more ? { epochs: more, maxSteps: null } : {} } });
  }

  private async askMoreEpochs(run: RunSummary): Promise<number | undefined> {
    const current = run.manifest!.config.epochs;
    const value = await vscode.window.showInputBox({
      title: `Continue “${run.manifest!.name}”`,
      prompt: `The run completed ${current} epochs. Train it up to how many epochs in total?`,
      value: String(current * 2),
      validateInput: (v) => (Number.isInteger(Number(v)) && Number(v) > current ? undefined : `Enter a whole number above ${current}.`),
    });
    return value === undefined ? undefined : Number(value);
  }

  async resumeFromCheckpoint(target: Target): Promise<ActiveRun | undefined> {
    if (!target || typeof target === 'string' || target.kind !== 'checkpoint') return this.resumeRun(target);
    const run = this.deps.store.get(target.dir);
    if (!run?.manifest) return undefined;
    if (this.deps.controller.findByRunDir(run.dir)) {
      void vscode.window.showWarningMessage(`“${run.manifest.name}” is training now; stop it before resuming from a checkpoint.`);
      return undefined;
    }
    const latest = run.manifest.checkpoints[run.manifest.checkpoints.length - 1];
    const branch = latest?.id !== target.id;
    return this.start(run.manifest.name, { runsRoot: path.dirname(run.dir), resume: { runDir: run.dir, checkpoint: target.id, branch } });
  }

  /** A run without a checkpoint (killed or failed during start-up) resumes too: the trainer starts it again from step 0. */
  private isResumable(run: RunSummary): boolean {
    return !!run.manifest && !run.manifest.external && !this.deps.controller.findByRunDir(run.dir) && (run.manifest.status !== 'running' || run.interrupted);
  }

  // ---- active runs ----

  private async withActive(target: Target, placeHolder: string, action: (run: ActiveRun) => unknown, filter: (run: ActiveRun) => boolean = () => true): Promise<void> {
    const dir = this.dirOf(target);
    const candidates = this.deps.controller.active.filter(filter);
    let run = dir ? this.deps.controller.findByRunDir(dir) : candidates.length === 1 ? candidates[0] : undefined;
    if (!run && !dir && candidates.length > 1) {
      const picked = await vscode.window.showQuickPick(
        candidates.map((r) => ({ label: r.name, description: r.started?.runId, run: r })),
        { placeHolder },
      );
      run = picked?.run;
    }
    if (!run) {
      if (!dir && candidates.length === 0) void vscode.window.showInformationMessage('No GAN Studio run is training right now.');
      return;
    }
    try {
      await action(run);
    } catch (error) {
      void vscode.window.showErrorMessage(`GAN Studio: ${(error as Error).message}`);
    }
  }

  private async checkpointNow(run: ActiveRun): Promise<void> {
    const entry = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Saving a checkpoint of “${run.name}”` }, () => run.checkpoint());
    const perEpoch = run.state.progress?.stepsPerEpoch;
    const at = perEpoch ? formatStepEpoch(entry.step, perEpoch) : `step ${entry.step.toLocaleString('en-US')}`;
    void vscode.window.showInformationMessage(`Saved checkpoint ${entry.id} of “${run.name}” (${at}).`);
  }

  // ---- any run ----

  async openRun(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Open which run?', undefined, false);
    if (!run) return;
    if (this.deps.openDashboard) return this.deps.openDashboard(run.dir);
    const latest = run.manifest?.samples[run.manifest.samples.length - 1];
    if (latest) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(run.dir, latest.file)));
    else await this.deps.revealInTree(run.dir);
  }

  async renameRun(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Rename which run?');
    if (!run?.manifest) return;
    const name = await vscode.window.showInputBox({
      title: 'Rename run',
      value: run.manifest.name,
      validateInput: (v) => (v.trim() ? undefined : 'A run needs a name.'),
    });
    if (name === undefined || name.trim() === run.manifest.name) return;
    const active = this.deps.controller.findByRunDir(run.dir);
    try {
      if (active) await active.rename(name.trim());
      else {
        const owner = liveOwner(run.dir);
        if (owner) throw new Error(`another trainer (process ${owner.pid} on ${owner.hostname}) is writing it; rename it after that trainer stops`);
        const fresh = readRun(run.dir);
        if (!fresh.ok) throw new Error(fresh.error);
        writeJsonAtomic(path.join(run.dir, RUN_MANIFEST), { ...fresh.manifest, name: name.trim(), config: { ...fresh.manifest.config, name: name.trim() } });
      }
      this.deps.store.refresh([run.dir]);
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not rename the run: ${(error as Error).message}`);
    }
  }

  async deleteRun(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Delete which run?');
    if (!run) return;
    const name = run.manifest?.name ?? run.id;
    const owner = liveOwner(run.dir);
    if (this.deps.controller.findByRunDir(run.dir) || owner) {
      const by = owner && !this.deps.controller.findByRunDir(run.dir) ? ` by process ${owner.pid} on ${owner.hostname}` : '';
      void vscode.window.showWarningMessage(`“${name}” is training${by}. Stop it first, then delete it.`);
      return;
    }
    const choice = await vscode.window.showWarningMessage(
      `Delete the run “${name}”?`,
      { modal: true, detail: `Its folder, with all its checkpoints and sample grids, is deleted:\n${run.dir}` },
      'Delete',
    );
    if (choice !== 'Delete') return;
    try {
      await vscode.workspace.fs.delete(vscode.Uri.file(run.dir), { recursive: true, useTrash: false });
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not delete ${run.dir}: ${(error as Error).message}. Check its permissions, or delete the folder yourself.`);
    }
    this.deps.store.refresh([run.dir]);
  }

  async revealRun(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Reveal which run?', undefined, false);
    if (!run) return;
    const uri = vscode.Uri.file(path.join(run.dir, RUN_MANIFEST));
    const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
    await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
  }

  async copyRunConfig(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Copy the config of which run?', undefined, false);
    if (!run?.manifest) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(run.dir));
    const slug = run.manifest.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'experiment';
    const uri = await vscode.window.showSaveDialog({
      title: 'Save the run’s config as an experiment file',
      defaultUri: vscode.Uri.joinPath(folder, `${slug}.gan.json`),
      filters: { 'GAN Studio experiment': ['gan.json', 'json'] },
    });
    if (!uri) return;
    const body = JSON.stringify(configDiff(run.manifest.config), null, 2) + '\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(body));
    await vscode.window.showTextDocument(uri);
  }

  async showLog(target: Target): Promise<void> {
    const run = await this.pickRun(target, 'Show the log of which run?', undefined, false);
    if (!run) return;
    const log = path.join(run.dir, LOG_FILE);
    if (this.deps.controller.findByRunDir(run.dir) || !fs.existsSync(log)) {
      this.deps.output.show(true);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
  }

  async openSample(node: RunsNode): Promise<void> {
    if (node?.kind !== 'sample') return;
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(path.join(node.dir, node.file)));
  }

  // ---- helpers ----

  private dirOf(target: Target): string | undefined {
    if (!target) return undefined;
    return typeof target === 'string' ? target : target.dir;
  }

  /** `mutates`: the command changes what is on disk (rename, delete, resume), so the folder must be a real run folder inside the runs root. */
  private async pickRun(target: Target, placeHolder: string, filter: (r: RunSummary) => boolean = () => true, mutates = true): Promise<RunSummary | undefined> {
    const dir = this.dirOf(target);
    if (dir && mutates) {
      // Rename, delete and resume change what is on disk: only in a real run folder inside the runs root.
      const problem = runDirProblem(this.deps.store.root, dir);
      if (problem) {
        void vscode.window.showErrorMessage(problem);
        return undefined;
      }
    }
    if (dir) return this.deps.store.get(dir) ?? (fs.existsSync(dir) ? (this.deps.store.refresh([dir]), this.deps.store.get(dir)) : undefined);
    const runs = this.deps.store.list().filter(filter);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('There is no GAN Studio run for that yet. Run “GAN Studio: Train GAN” first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((r) => ({
        label: r.manifest?.name ?? r.id,
        description: `${displayStatus(r, this.deps.controller.findByRunDir(r.dir) ? { paused: !!this.deps.controller.findByRunDir(r.dir)?.paused } : undefined)} · ${r.id}`,
        run: r,
      })),
      { placeHolder },
    );
    return picked?.run;
  }
}
