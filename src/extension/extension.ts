/** Activation: wiring only. Each piece registers itself; the trainer runs in child processes. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerAddPythonLogger } from './byog/pythonLogger';
import { trackContextKeys } from './contextKeys';
import { DashboardPanels } from './dashboard/dashboardPanels';
import { registerEvaluateCheckpoint } from './evaluate/evaluateCommand';
import { registerExportGenerator } from './export/exportGenerator';
import { registerOpenRunInNotebook } from './export/runNotebookCommand';
import { registerExportRunReport } from './export/runReportCommand';
import { GridInspectorProvider } from './inspector/gridInspectorProvider';
import { ExperimentLanguageClient } from './language/experimentLanguageClient';
import { PlaygroundPanels } from './playground/playgroundPanel';
import { RunCommands } from './runs/runCommands';
import { RunsTreeProvider } from './runs/runsTreeProvider';
import { RunsTablePanel } from './runsTable/runsTablePanel';
import { registerRunNotesCommand } from './runs/runNotesCommand';
import { RunStore } from './runs/runStore';
import { runsRoot, SECTION } from './settings';
import { RpcChildProcess } from './process/childProcess';
import { registerTrainGan } from './training/trainCommand';
import { TrainingController } from './training/trainingController';
import { TrainingUi } from './training/trainingUi';
import { SweepCommands } from './sweeps/sweepCommands';
import { SweepController } from './sweeps/sweepController';

let controller: TrainingController | undefined;
let sweeps: SweepController | undefined;

/** What the extension offers other extensions (and its integration tests). */
export interface GanStudioApi {
  runs: RunStore;
  training: TrainingController;
  /** The sweeps this window drives. */
  sweeps?: SweepController;
}

export function activate(context: vscode.ExtensionContext): GanStudioApi {
  try {
    const output = vscode.window.createOutputChannel('GAN Studio');
    const trainerScript = context.asAbsolutePath(path.join('dist', 'trainer.js'));
    controller = new TrainingController(
      (log) => new RpcChildProcess({ script: trainerScript, onStdout: log, onStderr: log, env: trainerEnv() }),
      (line) => output.appendLine(line),
    );
    const store = new RunStore(runsRoot() ?? path.join(context.globalStorageUri.fsPath, 'runs'));
    const tree = RunsTreeProvider.register(store, controller);
    const dashboards = DashboardPanels.register({ extensionUri: context.extensionUri, store, controller, output });
    const commands = new RunCommands({
      store,
      controller,
      output,
      openDashboard: (dir) => dashboards.open(dir),
      datasetCacheDir: path.join(context.globalStorageUri.fsPath, 'datasets'),
      revealInTree: async (dir) => {
        const node = tree.provider.runNode(dir) ?? tree.provider.getChildren().find((n) => n.dir === dir);
        if (node) await tree.view.reveal(node, { select: true, focus: false, expand: false });
      },
    });
    const runsTable = RunsTablePanel.register({ extensionUri: context.extensionUri, store, controller, output, openRun: (dir) => dashboards.open(dir), openCompare: (dirs) => dashboards.openCompare(dirs) });
    sweeps = new SweepController({ startRun: (name, params) => commands.start(name, params, { openDashboard: false }), log: (line) => output.appendLine(line) });
    tree.provider.sweeps.attach(sweeps);
    const sweepCommands = new SweepCommands({
      store,
      sweeps,
      output,
      openCompare: (dirs) => dashboards.openCompare(dirs),
      openTable: (scope) => runsTable.open(scope),
      revealSweep: async (id) => {
        await vscode.commands.executeCommand(`${RunsTreeProvider.viewId}.focus`);
        const node = tree.provider.sweeps.node(id);
        if (node) await tree.view.reveal(node, { select: true, focus: false, expand: true });
      },
    });
    context.subscriptions.push(
      output,
      store,
      sweepCommands.register(),
      tree.disposable,
      dashboards,
      commands.register(),
      registerTrainGan({ controller, start: (name, params) => commands.start(name, params), openRun: (dir) => commands.openRun(dir), startSweep: (uri, input) => sweepCommands.startFromFile(uri, input) }),
      runsTable,
      registerRunNotesCommand(store),
      GridInspectorProvider.register(context.extensionUri, store, (line) => output.appendLine(line)),
      PlaygroundPanels.register({ extensionUri: context.extensionUri, store, output, env: trainerEnv }),
      registerExportGenerator({ extensionUri: context.extensionUri, store, output, env: trainerEnv }),
      registerOpenRunInNotebook({ extensionUri: context.extensionUri, store, output, env: trainerEnv }),
      registerExportRunReport({ store, output }),
      registerEvaluateCheckpoint({
        extensionUri: context.extensionUri,
        store,
        output,
        env: trainerEnv,
        datasetCacheDir: path.join(context.globalStorageUri.fsPath, 'datasets'),
        openDashboard: (dir) => dashboards.open(dir),
      }),
      new TrainingUi(controller, output),
      ExperimentLanguageClient.register(context),
      registerAddPythonLogger(context.extensionUri),
      trackContextKeys(store, controller),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.runsRoot`)) store.setRoot(runsRoot() ?? store.root);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => store.setRoot(runsRoot() ?? store.root)),
    );
    return { runs: store, training: controller, sweeps };
  } catch (error) {
    void vscode.window.showErrorMessage(`GAN Studio could not start: ${(error as Error).message}`);
    throw error;
  }
}

/**
 * The trainer's and generator's environment. The native backend folder selects code to load, so
 * only the user's own (machine or user) setting counts, never a workspace's, and not at all in
 * Restricted Mode (package.json also declares it machine-scoped and a restricted configuration).
 */
function trainerEnv(): NodeJS.ProcessEnv {
  if (!vscode.workspace.isTrusted) return {};
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<string>('nativeBackendPath');
  const nativePath = inspected?.globalValue ?? '';
  return nativePath ? { GAN_STUDIO_NATIVE_PATH: nativePath } : {};
}

/** Stops every run cleanly (a checkpoint first) when VS Code closes or the extension is disabled. */
export async function deactivate(): Promise<void> {
  // Sweeps first: their members stop (each checkpoints) and sweep.json says "stopped", to resume later.
  await sweeps?.stopAll();
  sweeps?.dispose();
  sweeps = undefined;
  await controller?.dispose();
  controller = undefined;
}
