/**
 * GAN Studio: Add Python Logger to Project. Writes gan_studio.py (the logger, shipped in the
 * extension) and gan_studio_example.py (the lesson's DCGAN loop with the logger added) into a
 * folder the user picks, asking before it replaces a different file of the same name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runsRoot } from '../settings';
import { planLoggerFiles } from './loggerFiles';

export function registerAddPythonLogger(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.commands.registerCommand('ganStudio.addPythonLogger', async (target?: vscode.Uri) => {
    const sourceDir = vscode.Uri.joinPath(extensionUri, 'python').fsPath;
    const folder = target instanceof vscode.Uri ? target.fsPath : await askFolder();
    if (!folder) return;
    const plan = planLoggerFiles(sourceDir, folder);
    const different = plan.filter((f) => f.state === 'different');
    let write = plan.filter((f) => f.state === 'new');
    if (different.length > 0) {
      const names = different.map((f) => f.name).join(' and ');
      const one = different.length === 1;
      const choice = await vscode.window.showWarningMessage(
        `${names} already ${one ? 'exists' : 'exist'} in ${folder} and ${one ? 'differs' : 'differ'} from GAN Studio's.`,
        { modal: true, detail: "Replace with this version of GAN Studio's files, or keep yours (new files are written either way)." },
        'Replace',
        'Keep Mine',
      );
      if (choice === undefined) return;
      if (choice === 'Replace') write = [...write, ...different];
    }
    try {
      for (const f of write) fs.copyFileSync(f.source, f.target);
      // The logger writes into the nearest .gan-studio/runs up from where the script runs: create the workspace's.
      const root = runsRoot();
      if (root) fs.mkdirSync(root, { recursive: true });
    } catch (error) {
      void vscode.window.showErrorMessage(`Could not write the Python logger into ${folder}: ${(error as Error).message}. Pick a folder you can write to.`);
      return;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(folder, 'gan_studio_example.py')), { preview: false });
    void vscode.window.showInformationMessage(
      `GAN Studio's Python logger is in ${folder}. Add run = gan_studio.init(...), run.log(...) and run.log_grid(...) to your loop (see gan_studio_example.py); the run appears in the Runs view.`,
    );
  });
}

async function askFolder(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const near = active?.scheme === 'file' ? vscode.Uri.file(path.dirname(active.fsPath)) : vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({
    title: 'Add the GAN Studio Python logger to which folder? (next to your training script)',
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    defaultUri: near,
    openLabel: 'Add Logger Here',
  });
  return picked?.[0]?.fsPath;
}
