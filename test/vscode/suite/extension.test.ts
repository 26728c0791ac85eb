/**
 * Integration tests in the real extension host: the installed extension, the real vscode API,
 * real trainer child processes and real FashionMNIST.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GanStudioApi } from '../../../src/extension/extension';
import type { ActiveRun } from '../../../src/extension/training/trainingController';
import type { RunStore } from '../../../src/extension/runs/runStore';
import { EXTENSION_ID } from '../shared';

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 120000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function statusOf(store: RunStore, dir: string): string | undefined {
  return store.get(dir)?.manifest?.status;
}

describe('GAN Studio in a real VS Code', () => {
  let api: GanStudioApi;
  let extensionPath: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<GanStudioApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    extensionPath = extension.extensionPath;
    api = await extension.activate();
  });

  after(async () => {
    await api.training.stopAll();
  });

  it('contributes its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['ganStudio.trainGan', 'ganStudio.stopTraining', 'ganStudio.resumeRun', 'ganStudio.openRun', 'ganStudio.deleteRun', 'ganStudio.copyRunConfig', 'ganStudio.evaluateCheckpoint', 'ganStudio.exportRunReport']) {
      assert.ok(all.includes(id), id);
    }
  });

  it('keeps runs under .gan-studio/runs of the workspace', () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.equal(api.runs.root, path.join(folder, '.gan-studio', 'runs'));
  });

  it('picks up a run written by the CLI while VS Code is open (the folder is watched)', async () => {
    const data = vscode.workspace.getConfiguration('ganStudio').get<string>('datasetFolder')!;
    const result = spawnSync(process.execPath, [path.join(extensionPath, 'bin', 'gan-studio-train.js'), '--preset', 'smoke', '--name', 'from the CLI', '--out', api.runs.root, '--data', data], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    assert.equal(result.status, 0, result.stderr);
    const run = await until(() => api.runs.list().find((r) => r.manifest?.name === 'from the CLI' && r.manifest.status === 'completed'), 'the CLI run in the store', 20000);
    assert.equal(run.manifest!.progress.step, 8);
  });

  it('exports the report of a run (Runs tree context menu: the run is the argument)', async () => {
    const run = api.runs.list().find((r) => r.manifest?.name === 'from the CLI')!;
    const file = path.join(run.dir, 'shared-report.html');
    const written = await vscode.commands.executeCommand<string>('ganStudio.exportRunReport', { dir: run.dir }, { file });
    assert.equal(written, file);
    const html = fs.readFileSync(file, 'utf8');
    assert.match(html, /<h1>from the CLI<\/h1>/);
    assert.match(html, /<svg /);
    assert.ok(fs.existsSync(path.join(run.dir, 'shared-report.md')));
  });

  it('trains the smoke preset from "Train GAN" in a child process and shows it completed', async () => {
    const run = await vscode.commands.executeCommand<ActiveRun>('ganStudio.trainGan', { preset: 'smoke' });
    assert.ok(run?.runDir, 'the run folder exists as soon as the command returns');
    assert.notEqual(run.pid, process.pid, 'the trainer is a separate process');
    assert.equal(statusOf(api.runs, run.runDir), 'running', 'the run appears at once, as running');
    const outcome = await run.done;
    assert.equal(outcome.status, 'completed');
    await until(() => statusOf(api.runs, run.runDir!) === 'completed', 'the store to show completed');
    const manifest = api.runs.get(run.runDir)!.manifest!;
    assert.ok(manifest.samples.length >= 2 && manifest.checkpoints.length >= 1);
    assert.ok(fs.existsSync(path.join(run.runDir, manifest.samples[0].file)));
  });

  it('stops a run mid-way (checkpoint first), shows it stopped, and resumes it from the checkpoint', async () => {
    const run = await vscode.commands.executeCommand<ActiveRun>('ganStudio.trainGan', { preset: 'quick' });
    const dir = run!.runDir!;
    await until(() => (run.state.lastMetrics ? true : false), 'the first metrics');
    await vscode.commands.executeCommand('ganStudio.stopTraining', dir);
    const outcome = await run.done;
    assert.equal(outcome.status, 'stopped');
    const stopped = await until(() => (statusOf(api.runs, dir) === 'stopped' ? api.runs.get(dir)!.manifest! : undefined), 'stopped in the store');
    const last = stopped.checkpoints[stopped.checkpoints.length - 1];
    assert.equal(last.step, stopped.progress.step, 'a checkpoint holds the last step');

    const active = await vscode.commands.executeCommand<ActiveRun>('ganStudio.resumeRun', dir);
    assert.equal(active?.runDir, dir, 'resuming from the latest checkpoint continues in the same folder');
    await until(() => (active.state.lastMetrics && active.state.lastMetrics.step >= last.step ? true : false), 'training to continue from the checkpoint');
    await vscode.commands.executeCommand('ganStudio.stopTraining', dir);
    assert.equal((await active.done).status, 'stopped');
    const log = fs.readFileSync(path.join(dir, 'trainer.log'), 'utf8');
    assert.match(log, new RegExp(`Resuming from checkpoint ${last.id}`));
  });

  it('checks experiment files as you type (the language server) and trains one from its lens', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const uri = vscode.Uri.joinPath(folder, 'lr-sweep.gan.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('{\n  "preset": "smoke",\n  "lerningRate": 0.001\n}\n'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diagnostics = await until(() => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'GAN Studio');
      return d.length > 0 ? d : undefined;
    }, 'diagnostics from the GAN Studio language server', 60000);
    assert.equal(diagnostics[0].message, 'Unknown setting "lerningRate". Did you mean "learningRate"?');
    assert.equal(diagnostics[0].range.start.line, 2);

    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, diagnostics[0].range, '"learningRate"');
    await vscode.workspace.applyEdit(edit);
    await doc.save();
    await until(() => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'GAN Studio').length === 0, 'the diagnostic to clear', 30000);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const train = lenses.find((l) => l.command?.command === 'ganStudio.trainGan');
    assert.ok(train, 'a "Train this experiment" lens');
    const run = await vscode.commands.executeCommand<ActiveRun>(train.command!.command, ...(train.command!.arguments ?? []));
    assert.equal((await run!.done).status, 'completed');
    assert.equal(api.runs.get(run!.runDir!)!.manifest!.config.learningRate, 0.001, 'the file’s settings were used');
  });

  it('lists a damaged run folder with its problem instead of hiding it', async () => {
    const dir = path.join(api.runs.root, 'broken-run');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'run.json'), '{ not json');
    api.runs.refresh([dir]);
    const summary = api.runs.get(dir);
    assert.ok(summary?.loadError?.includes('run.json'), 'a damaged run is listed with its problem');
  });
});
