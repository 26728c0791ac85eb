/**
 * "GAN Studio: Export Generator": writes a checkpoint's generator as a TensorFlow.js Layers model
 * (model.json, weights, README) or as an ONNX model (generator.onnx, README) into a folder the user
 * picks. The same command serves the Runs tree, the palette and the playground's Export button; it
 * asks for the format. The export runs in a generator child process (no TensorFlow.js in the
 * extension host).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GeneratorClient, GeneratorError } from '../playground/generatorClient';
import { resolveCheckpoint } from '../playground/checkpointTarget';
import { COMMAND_EXPORT_GENERATOR } from '../playground/playgroundPanel';
import type { RunStore } from '../runs/runStore';
import type { ExportFormat } from '../../protocol/generatorProtocol';
import { readSettings } from '../settings';

export interface ExportDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  output: vscode.OutputChannel;
  env: () => NodeJS.ProcessEnv;
}

/** Options for keybindings and tests: `{ "folder": "/abs/parent" }` skips the folder dialog. */
export interface ExportOptions {
  folder?: string;
  /** Replace an existing export without asking. */
  replace?: boolean;
  /** Skips the format question. */
  format?: ExportFormat;
}

const FORMAT_LABELS: Record<ExportFormat, { label: string; detail: string; what: string }> = {
  tfjs: { label: 'TensorFlow.js', detail: 'model.json + weights, for tf.loadLayersModel in a browser or Node.js', what: 'TensorFlow.js model.json + weights' },
  onnx: { label: 'ONNX', detail: 'generator.onnx (opset 17, BatchNorm folded), for onnxruntime in Python, C#, C++, the browser…', what: 'ONNX generator.onnx' },
};

async function pickFormat(): Promise<ExportFormat | undefined> {
  const items = (Object.keys(FORMAT_LABELS) as ExportFormat[]).map((format) => ({ format, label: FORMAT_LABELS[format].label, detail: FORMAT_LABELS[format].detail }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Export the generator as…', placeHolder: 'Model format' });
  return picked?.format;
}

export function registerExportGenerator(deps: ExportDeps): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_EXPORT_GENERATOR, (target?: unknown, options?: ExportOptions) => exportGenerator(deps, target, options));
}

export async function exportGenerator(deps: ExportDeps, target: unknown, options: ExportOptions = {}): Promise<string | undefined> {
  const checkpoint = await resolveCheckpoint(target, deps.store, 'Export the generator of which checkpoint?');
  if (!checkpoint) return undefined;
  const format = options.format ?? (await pickFormat());
  if (!format) return undefined;
  let parent = options.folder;
  if (!parent) {
    const picked = await vscode.window.showOpenDialog({
      title: `Export the generator of “${checkpoint.runName}” (${checkpoint.id}) as ${FORMAT_LABELS[format].label} into…`,
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Export Here',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    parent = picked?.[0]?.fsPath;
  }
  if (!parent) return undefined;
  const outDir = path.join(parent, `${slug(checkpoint.runName)}-${checkpoint.id}-${format}`);
  let replace = options.replace === true;
  if (fs.existsSync(outDir) && !replace) {
    const choice = await vscode.window.showWarningMessage(`${path.basename(outDir)} already exists in ${parent}. Replace it?`, { modal: true }, 'Replace');
    if (choice !== 'Replace') return undefined;
    replace = true;
  }
  const log = (line: string) => deps.output.appendLine(`[export ${checkpoint.runName} ${checkpoint.id}] ${line}`);
  const client = new GeneratorClient({ script: vscode.Uri.joinPath(deps.extensionUri, 'dist', 'generator.js').fsPath, env: deps.env(), log });
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Exporting the generator of “${checkpoint.runName}” (${checkpoint.id})` },
      async () => {
        await client.load({ checkpointDir: checkpoint.dir, backend: readSettings().backend });
        return client.exportModel({ format, outDir, replace, title: checkpoint.runName });
      },
    );
    log(`Wrote ${result.files.join(', ')} to ${result.outDir} (input [batch, ${result.latentSize}], output [batch, ${result.outputShape.join(', ')}], ${format})`);
    void vscode.window.showInformationMessage(`Exported the generator of “${checkpoint.runName}” to ${vscode.workspace.asRelativePath(outDir)} (${FORMAT_LABELS[format].what}).`, 'Open README', 'Reveal Folder').then((choice) => {
      if (choice === 'Open README') void vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(path.join(outDir, 'README.md')));
      if (choice === 'Reveal Folder') void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outDir));
    });
    return outDir;
  } catch (error) {
    const problem = error instanceof GeneratorError ? error.problem : { message: (error as Error).message, hint: undefined };
    log(`Failed: ${problem.message}`);
    void vscode.window.showErrorMessage(`Could not export the generator of “${checkpoint.runName}” (${checkpoint.id}): ${problem.message}${problem.hint ? ` ${problem.hint}` : ''}`);
    return undefined;
  } finally {
    await client.dispose();
  }
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'generator';
}
