/**
 * "GAN Studio: Evaluate Checkpoint" (Runs tree context menu on a checkpoint, and the palette):
 * runs gan-studio-eval in a child process and shows FID-FMNIST, KID, precision/recall and class
 * coverage; the result lands in the run's quality.jsonl, so the dashboard and tree pick it up.
 */
import * as vscode from 'vscode';
import { resolveCheckpoint } from '../playground/checkpointTarget';
import type { RunStore } from '../runs/runStore';
import { readSettings, resolveFolder } from '../settings';
import { EvalProcessError, runEvalProcess } from './evalProcess';
import type { QualityRecord } from '../../protocol/qualityFormat';

export const COMMAND_EVALUATE_CHECKPOINT = 'ganStudio.evaluateCheckpoint';

export interface EvaluateDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  output: vscode.OutputChannel;
  datasetCacheDir: string;
  env: () => NodeJS.ProcessEnv;
  openDashboard: (runDir: string) => unknown;
}

export function registerEvaluateCheckpoint(deps: EvaluateDeps): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_EVALUATE_CHECKPOINT, (target?: unknown, options?: { samples?: number }) => evaluateCheckpointCommand(deps, target, options));
}

export function describeRecord(r: QualityRecord): string {
  return (
    `FID-FMNIST ${r.fid.toFixed(2)} · KID ${r.kid.toFixed(4)} · precision ${r.precision.toFixed(2)} · recall ${r.recall.toFixed(2)} · ` +
    `class coverage ${r.coverage.entropy.toFixed(2)} (${r.samples} samples)`
  );
}

export async function evaluateCheckpointCommand(deps: EvaluateDeps, target: unknown, options: { samples?: number } = {}): Promise<QualityRecord | undefined> {
  const checkpoint = await resolveCheckpoint(target, deps.store, 'Evaluate the sample quality of which checkpoint?');
  if (!checkpoint) return undefined;
  const settings = readSettings();
  const dataDir = settings.datasetFolder ? resolveFolder(settings.datasetFolder) : undefined;
  const log = (line: string) => deps.output.appendLine(`[evaluate ${checkpoint.runName} ${checkpoint.id}] ${line}`);
  try {
    const record = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Evaluating “${checkpoint.runName}” (${checkpoint.id})`, cancellable: true },
      (progress, token) => {
        const run = runEvalProcess({
          script: vscode.Uri.joinPath(deps.extensionUri, 'dist', 'evalCli.js').fsPath,
          runDir: checkpoint.runDir,
          checkpoint: checkpoint.id,
          samples: options.samples,
          dataDir,
          cacheDir: deps.datasetCacheDir,
          backend: settings.backend,
          env: deps.env(),
          onLog: (line) => {
            log(line);
            progress.report({ message: line.length > 80 ? `${line.slice(0, 77)}…` : line });
          },
        });
        token.onCancellationRequested(() => run.cancel());
        return run.result;
      },
    );
    log(describeRecord(record));
    deps.store.refresh([checkpoint.runDir]);
    const message = `“${checkpoint.runName}” ${checkpoint.id}: ${describeRecord(record)}`;
    const show = record.alarm ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(record.alarm ? `${message}. Mode collapse? ${record.alarmReasons.join('; ')}` : message, 'Open Dashboard').then((choice) => {
      if (choice === 'Open Dashboard') void deps.openDashboard(checkpoint.runDir);
    });
    return record;
  } catch (error) {
    const message = error instanceof EvalProcessError ? error.message : (error as Error).message;
    log(`Failed: ${message}`);
    void vscode.window.showErrorMessage(`Could not evaluate “${checkpoint.runName}” (${checkpoint.id}): ${message}`, 'Show Log').then((c) => {
      if (c === 'Show Log') deps.output.show(true);
    });
    return undefined;
  }
}
