/**
 * "GAN Studio: Open Run in Notebook": writes `<run id>.ipynb` for a run (beside it in the runs
 * folder, or in a folder the user picks) with its last checkpoint's generator exported as ONNX
 * next to it (by a generator child process), then opens it in VS Code's notebook editor. The
 * notebook itself is built by src/common/runNotebook.ts, which the CLI shares.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../common/atomicFile';
import { buildRunNotebook, planRunNotebook, serializeNotebook } from '../../common/runNotebook';
import { GeneratorClient, GeneratorError } from '../playground/generatorClient';
import type { RunStore, RunSummary } from '../runs/runStore';
import { pickRun } from './pickRun';
import { readSettings } from '../settings';

export const COMMAND_OPEN_RUN_IN_NOTEBOOK = 'ganStudio.openRunInNotebook';
/** The notebook type of VS Code's built-in .ipynb support. */
const JUPYTER_NOTEBOOK = 'jupyter-notebook';

export interface NotebookDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  output: vscode.OutputChannel;
  env: () => NodeJS.ProcessEnv;
}

/** For keybindings and tests: `{ "folder": "/abs" }` writes there; `{ "beside": true }` beside the run, without asking. */
export interface NotebookOptions {
  folder?: string;
  beside?: boolean;
}

export function registerOpenRunInNotebook(deps: NotebookDeps): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_OPEN_RUN_IN_NOTEBOOK, (target?: unknown, options?: NotebookOptions) => openRunInNotebook(deps, target, options));
}

async function chooseFolder(run: RunSummary, options: NotebookOptions): Promise<string | null | undefined> {
  if (options.folder) return options.folder;
  if (options.beside) return null;
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Beside the run', detail: `${path.basename(run.dir)}.ipynb in ${vscode.workspace.asRelativePath(path.dirname(run.dir))}`, beside: true },
      { label: 'In a folder…', detail: 'Choose where the notebook and the exported generator go', beside: false },
    ],
    { title: `Notebook for “${run.manifest?.name ?? run.id}”` },
  );
  if (!choice) return undefined;
  if (choice.beside) return null;
  const picked = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: 'Write Notebook Here', defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0]?.fsPath;
}

export async function openRunInNotebook(deps: NotebookDeps, target: unknown, options: NotebookOptions = {}): Promise<string | undefined> {
  const run = await pickRun(deps.store, target, { none: 'There is no GAN Studio run for that yet. Run “GAN Studio: Train GAN” first.', placeHolder: 'Open which run in a notebook?' });
  if (!run) return undefined;
  const manifest = run.manifest;
  if (!manifest) {
    void vscode.window.showErrorMessage(`The run folder ${run.dir} cannot be read: ${run.loadError ?? 'no run.json'}`);
    return undefined;
  }
  const folder = await chooseFolder(run, options);
  if (folder === undefined) return undefined;
  const plan = planRunNotebook(run.dir, manifest.checkpoints, folder ?? undefined);
  const log = (line: string) => deps.output.appendLine(`[notebook ${manifest.name}] ${line}`);
  try {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Writing a notebook for “${manifest.name}”` }, async () => {
      if (plan.onnx) {
        const client = new GeneratorClient({ script: vscode.Uri.joinPath(deps.extensionUri, 'dist', 'generator.js').fsPath, env: deps.env(), log });
        try {
          await client.load({ checkpointDir: path.join(run.dir, 'checkpoints', plan.onnx.checkpoint), backend: readSettings().backend });
          await client.exportModel({ format: 'onnx', outDir: plan.onnx.dir, replace: true, title: manifest.name });
        } finally {
          await client.dispose();
        }
      }
      const notebook = buildRunNotebook({ runDir: run.dir, runId: manifest.id, runName: manifest.name, notebookDir: path.dirname(plan.notebookFile), onnxModel: plan.onnx });
      fs.mkdirSync(path.dirname(plan.notebookFile), { recursive: true });
      writeFileAtomic(plan.notebookFile, serializeNotebook(notebook));
    });
  } catch (error) {
    const problem = error instanceof GeneratorError ? error.problem : { message: (error as Error).message, hint: undefined };
    log(`Failed: ${problem.message}`);
    void vscode.window.showErrorMessage(`Could not write a notebook for “${manifest.name}”: ${problem.message}${problem.hint ? ` ${problem.hint}` : ''}`);
    return undefined;
  }
  log(`Wrote ${plan.notebookFile}${plan.onnx ? ` and ${plan.onnx.file}` : ''}`);
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(plan.notebookFile), JUPYTER_NOTEBOOK);
  return plan.notebookFile;
}
