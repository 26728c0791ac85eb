/**
 * "GAN Studio: Export Run Report" (palette, Runs tree on a run): asks where to save (default
 * `<run folder>/report.html`), then writes the self-contained HTML report and its Markdown twin
 * with src/common/runReport.ts, which `gan-studio report` shares, and offers to open them.
 */
import * as vscode from 'vscode';
import { defaultReportFile, writeRunReport } from '../../common/runReport';
import type { RunStore } from '../runs/runStore';
import { pickRun } from './pickRun';

export const COMMAND_EXPORT_RUN_REPORT = 'ganStudio.exportRunReport';

export interface RunReportDeps {
  store: RunStore;
  output: vscode.OutputChannel;
}

/** For keybindings and tests: `{ "file": "/abs/report.html" }` writes there without asking. */
export interface RunReportOptions {
  file?: string;
}

export function registerExportRunReport(deps: RunReportDeps): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_EXPORT_RUN_REPORT, (target?: unknown, options?: RunReportOptions) => exportRunReport(deps, target, options));
}

export async function exportRunReport(deps: RunReportDeps, target: unknown, options: RunReportOptions = {}): Promise<string | undefined> {
  const run = await pickRun(deps.store, target, { none: 'There is no GAN Studio run to report on yet. Run “GAN Studio: Train GAN” first.', placeHolder: 'Export a report of which run?' });
  if (!run) return undefined;
  if (!run.manifest) {
    void vscode.window.showErrorMessage(`The run folder ${run.dir} cannot be read: ${run.loadError ?? 'no run.json'}`);
    return undefined;
  }
  const name = run.manifest.name;
  let file = options.file;
  if (!file) {
    const picked = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultReportFile(run.dir)),
      filters: { 'HTML report': ['html'] },
      saveLabel: 'Export Report',
      title: `Report of “${name}” (a Markdown twin is written beside it)`,
    });
    file = picked?.fsPath;
  }
  if (!file) return undefined;
  let written;
  try {
    written = writeRunReport(run.dir, file);
  } catch (error) {
    const e = error as Error & { hint?: string };
    deps.output.appendLine(`[report ${name}] Failed: ${e.message}`);
    void vscode.window.showErrorMessage(`Could not write the report of “${name}”: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
    return undefined;
  }
  deps.output.appendLine(`[report ${name}] Wrote ${written.html}, ${written.markdown} and ${written.assetsDir}`);
  if (!options.file) {
    void vscode.window.showInformationMessage(`Wrote the report of “${name}”.`, 'Open in Browser', 'Open Markdown').then((choice) => {
      if (choice === 'Open in Browser') void vscode.env.openExternal(vscode.Uri.file(written.html));
      else if (choice === 'Open Markdown') void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(written.markdown));
    });
  }
  return written.html;
}
