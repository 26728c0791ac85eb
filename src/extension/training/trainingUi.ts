/**
 * What a user sees of active runs outside the dashboard: a status bar item (epoch/step, losses,
 * ETA; click opens the run), a progress notification per run (its Cancel stops the run after a
 * checkpoint) and a message when a run ends.
 */
import * as vscode from 'vscode';
import { formatCount, formatDuration, formatLoss } from '../../protocol/format';
import { formatEpochProgress, formatEta } from '../../protocol/steps';
import { DisposableStore } from '../util/disposable';
import { ActiveRun, RunOutcome, TrainingController } from './trainingController';

export const COMMAND_OPEN_RUN = 'ganStudio.openRun';
export const COMMAND_RESUME_RUN = 'ganStudio.resumeRun';
export const COMMAND_SHOW_LOG = 'ganStudio.showLog';

/** "ep 2.63/20 · 1,234/9,380 · D 0.523 G 2.310 · ETA 12m 5s" */
export function progressText(run: ActiveRun): string {
  const p = run.state.progress;
  if (!p || (run.state.phase !== 'training' && run.state.phase !== 'paused' && run.state.phase !== 'checkpointing' && run.state.phase !== 'evaluating')) return run.state.message;
  const parts = [`ep ${formatEpochProgress(p.step, p.totalSteps, p.stepsPerEpoch).replace(' / ', '/')}`, `${formatCount(p.step)}/${formatCount(p.totalSteps)}`];
  const m = run.state.lastMetrics;
  if (m) parts.push(`D ${formatLoss(m.lossD)} G ${formatLoss(m.lossG)}`);
  if (run.state.phase === 'paused') parts.push('paused');
  else parts.push(`ETA ${formatEta(p.etaSec, formatDuration)}`);
  return parts.join(' · ');
}

export class TrainingUi implements vscode.Disposable {
  private readonly disposables = new DisposableStore();
  private readonly statusItem: vscode.StatusBarItem;
  private current: ActiveRun | undefined;

  constructor(
    private readonly controller: TrainingController,
    private readonly output: vscode.OutputChannel,
  ) {
    this.statusItem = this.disposables.add(vscode.window.createStatusBarItem('ganStudio.training', vscode.StatusBarAlignment.Left, 50));
    this.statusItem.name = 'GAN Studio Training';
    this.disposables.add(controller.onDidStart((run) => this.follow(run)));
    this.disposables.add(controller.onDidEnd(({ run, outcome }) => void this.ended(run, outcome)));
  }

  private follow(run: ActiveRun): void {
    this.current = run;
    const listener = run.onDidChange(() => {
      if (run === this.current) this.render();
    });
    this.render();
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training “${run.name}”`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let reported = 0;
          token.onCancellationRequested(() => {
            this.output.appendLine(`[${run.started?.runId ?? run.name}] Stop requested: finishing the step and saving a checkpoint`);
            void run.stop();
          });
          progress.report({ message: `${progressText(run)} — Cancel stops after a checkpoint` });
          const sub = run.onDidChange(() => {
            const p = run.state.progress;
            const percent = p ? (100 * p.step) / Math.max(1, p.totalSteps) : 0;
            progress.report({ message: progressText(run), increment: percent - reported });
            reported = percent;
          });
          void run.done.then(() => {
            sub.dispose();
            resolve();
          });
        }),
    );
    void run.done.then(() => {
      listener.dispose();
      if (this.current === run) this.current = this.controller.active[this.controller.active.length - 1];
      this.render();
    });
  }

  private render(): void {
    const run = this.current;
    if (!run || run.ended) {
      this.statusItem.hide();
      return;
    }
    const others = this.controller.active.length - 1;
    const icon = run.paused ? '$(debug-pause)' : '$(sync~spin)';
    this.statusItem.text = `${icon} ${run.name}: ${progressText(run)}${others > 0 ? ` (+${others})` : ''}`;
    const tooltip = new vscode.MarkdownString(`**GAN Studio** — training “${run.name}”\n\n${progressText(run)}\n\nBackend: ${run.started?.backend.detail ?? '…'}\n\nClick to open the run.`);
    this.statusItem.tooltip = tooltip;
    this.statusItem.command = run.runDir ? { title: 'Open Run', command: COMMAND_OPEN_RUN, arguments: [run.runDir] } : undefined;
    this.statusItem.show();
  }

  private async ended(run: ActiveRun, outcome: RunOutcome): Promise<void> {
    if (!run.started) return; // a start that failed was already reported by the command
    const name = run.name;
    if (outcome.status === 'failed') {
      this.output.appendLine(`[${run.started.runId}] Failed: ${outcome.error.message}`);
      const actions = ['Show Log', 'Resume'];
      const choice = await vscode.window.showErrorMessage(`Training “${name}” failed: ${outcome.error.message}${outcome.error.hint ? ` ${outcome.error.hint}` : ''}`, ...actions);
      if (choice === 'Show Log') await vscode.commands.executeCommand(COMMAND_SHOW_LOG, outcome.runDir);
      if (choice === 'Resume') await vscode.commands.executeCommand(COMMAND_RESUME_RUN, outcome.runDir);
      return;
    }
    const p = outcome.progress;
    const text =
      outcome.status === 'completed'
        ? `Training “${name}” completed: ${formatCount(p.step)} steps in ${formatDuration(p.elapsedSec)}.`
        : `Training “${name}” stopped at step ${formatCount(p.step)} of ${formatCount(p.totalSteps)}; a checkpoint was saved.`;
    const choice = await vscode.window.showInformationMessage(text, 'Open Run', ...(outcome.status === 'stopped' ? ['Resume'] : []));
    if (choice === 'Open Run') await vscode.commands.executeCommand(COMMAND_OPEN_RUN, outcome.runDir);
    if (choice === 'Resume') await vscode.commands.executeCommand(COMMAND_RESUME_RUN, outcome.runDir);
  }

  dispose(): void {
    void this.disposables.dispose();
  }
}
