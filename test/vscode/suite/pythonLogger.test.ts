/**
 * GAN Studio: Add Python Logger to Project, in the real extension host: it copies the logger and
 * the example shipped in the .vsix into the chosen folder, creates the workspace's runs folder
 * (where the logger writes by default), and writes nothing when the same files are already there.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GanStudioApi } from '../../../src/extension/extension';
import { EXTENSION_ID } from '../shared';

describe('Add Python Logger to Project', () => {
  let api: GanStudioApi;
  let extensionPath: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<GanStudioApi>(EXTENSION_ID)!;
    extensionPath = extension.extensionPath;
    api = await extension.activate();
  });

  it('writes gan_studio.py and the example next to the user’s code and opens the example', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-studio-py-project-'));
    await vscode.commands.executeCommand('ganStudio.addPythonLogger', vscode.Uri.file(folder));
    for (const name of ['gan_studio.py', 'gan_studio_example.py']) {
      assert.deepEqual(fs.readFileSync(path.join(folder, name)), fs.readFileSync(path.join(extensionPath, 'python', name)), name);
    }
    assert.equal(path.basename(vscode.window.activeTextEditor!.document.uri.fsPath), 'gan_studio_example.py');
    assert.ok(fs.existsSync(api.runs.root), 'the workspace runs folder exists, so the logger finds it from subfolders');

    const before = fs.statSync(path.join(folder, 'gan_studio.py')).mtimeMs;
    await vscode.commands.executeCommand('ganStudio.addPythonLogger', vscode.Uri.file(folder));
    assert.equal(fs.statSync(path.join(folder, 'gan_studio.py')).mtimeMs, before, 'identical files are left alone (no question asked)');
  });
});
