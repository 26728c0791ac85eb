/**
 * The generator playground: a webview panel per checkpoint (opened from a checkpoint in the Runs
 * tree, the inspector or the palette), each with its own generator child process, restored after
 * a reload by a WebviewPanelSerializer from the state the webview saves.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { HostToPlayground, parsePlaygroundMessage, parseRestoreState, PLAYGROUND_VIEW_TYPE, PlaygroundSettings, PlaygroundToHost } from '../../protocol/playgroundProtocol';
import type { RunStore } from '../runs/runStore';
import { readSettings } from '../settings';
import { DisposableStore } from '../util/disposable';
import { WebviewHost } from '../webviewHost';
import { checkpointLabel, CheckpointTarget, describeCheckpoint, resolveCheckpoint } from './checkpointTarget';
import { GeneratorClient } from './generatorClient';
import { PlaygroundSession } from './playgroundSession';

export const COMMAND_OPEN_PLAYGROUND = 'ganStudio.openPlayground';
export const COMMAND_EXPORT_GENERATOR = 'ganStudio.exportGenerator';

export interface PlaygroundDeps {
  extensionUri: vscode.Uri;
  store: RunStore;
  output: vscode.OutputChannel;
  /** Environment for the generator process (e.g. where the native backends are). */
  env: () => NodeJS.ProcessEnv;
}

export class PlaygroundPanels implements vscode.WebviewPanelSerializer {
  static readonly viewType = PLAYGROUND_VIEW_TYPE;
  private readonly panels = new Map<string, PlaygroundPanel>();

  static register(deps: PlaygroundDeps): vscode.Disposable {
    const panels = new PlaygroundPanels(deps);
    return vscode.Disposable.from(
      vscode.commands.registerCommand(COMMAND_OPEN_PLAYGROUND, (target?: unknown) => panels.open(target)),
      vscode.window.registerWebviewPanelSerializer(PlaygroundPanels.viewType, panels),
      { dispose: () => panels.dispose() },
    );
  }

  constructor(private readonly deps: PlaygroundDeps) {}

  async open(target: unknown): Promise<void> {
    const checkpoint = await resolveCheckpoint(target, this.deps.store, 'Open the generator of which checkpoint?');
    if (!checkpoint) return;
    const existing = this.panels.get(checkpoint.dir);
    if (existing) {
      existing.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PlaygroundPanels.viewType, title(checkpoint), vscode.ViewColumn.Active, {});
    this.attach(panel, checkpoint, undefined);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    const state = parseRestoreState(saved);
    if (!state) {
      panel.dispose();
      return;
    }
    const checkpoint = describeCheckpoint(state.checkpointDir, this.deps.store);
    if (this.panels.has(checkpoint.dir)) {
      panel.dispose();
      return;
    }
    panel.title = title(checkpoint);
    this.attach(panel, checkpoint, state.settings);
  }

  private attach(panel: vscode.WebviewPanel, checkpoint: CheckpointTarget, restored: Partial<PlaygroundSettings> | undefined): void {
    const playground = new PlaygroundPanel(panel, checkpoint, this.deps, restored);
    this.panels.set(checkpoint.dir, playground);
    panel.onDidDispose(() => {
      this.panels.delete(checkpoint.dir);
      void playground.dispose();
    });
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
  }
}

function title(checkpoint: CheckpointTarget): string {
  return `Playground: ${checkpointLabel(checkpoint)}`;
}

class PlaygroundPanel {
  private readonly disposables = new DisposableStore();
  private readonly session: PlaygroundSession;

  constructor(
    readonly panel: vscode.WebviewPanel,
    checkpoint: CheckpointTarget,
    deps: PlaygroundDeps,
    restored: Partial<PlaygroundSettings> | undefined,
  ) {
    const { extensionUri, output } = deps;
    const host = this.disposables.add(
      new WebviewHost<HostToPlayground, PlaygroundToHost>(panel, {
        name: 'playground',
        extensionUri,
        parse: parsePlaygroundMessage,
        handle: (message) => this.session.onMessage(message),
        log: (line) => output.appendLine(line),
      }),
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'gan-studio.svg');
    host.setPage({ bundle: 'playground', title: panel.title, loadingText: 'Starting the generator…' });
    const client = new GeneratorClient({
      script: vscode.Uri.joinPath(extensionUri, 'dist', 'generator.js').fsPath,
      env: deps.env(),
      log: (line) => output.appendLine(`[playground ${checkpoint.runName} ${checkpoint.id}] ${line}`),
    });
    this.session = new PlaygroundSession(
      { checkpointDir: checkpoint.dir, runName: checkpoint.runName, backend: readSettings().backend },
      client,
      {
        post: (message) => host.post(message),
        copy: async (text, what) => {
          await vscode.env.clipboard.writeText(text);
          void vscode.window.setStatusBarMessage(`$(clippy) Copied ${what}`, 4000);
        },
        chooseGridFile: async (name) => {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(checkpoint.runDir);
          const uri = await vscode.window.showSaveDialog({ title: 'Save the grid as PNG', defaultUri: vscode.Uri.joinPath(folder, name), filters: { 'PNG image': ['png'] } });
          return uri?.fsPath;
        },
        saved: (file) => {
          void vscode.window.showInformationMessage(`Saved the grid to ${path.basename(file)}.`, 'Open').then((choice) => {
            if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
          });
        },
        exportGenerator: async (dir) => {
          await vscode.commands.executeCommand(COMMAND_EXPORT_GENERATOR, dir);
        },
        log: (line) => output.appendLine(line),
        randomSeed: () => Math.floor(Math.random() * 1_000_000),
      },
      restored,
    );
  }

  async dispose(): Promise<void> {
    await this.disposables.dispose();
    await this.session.dispose();
  }
}
