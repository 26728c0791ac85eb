/** Starts the experiment-file language server (a child process) for `*.gan.json` files. */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import { EXPERIMENT_GLOB } from '../experiments/experimentFiles';

export class ExperimentLanguageClient implements vscode.Disposable {
  private readonly client: LanguageClient;

  private constructor(serverModule: string) {
    const run = { module: serverModule, transport: TransportKind.ipc };
    this.client = new LanguageClient(
      'ganStudio.experiments',
      'GAN Studio Experiments',
      { run, debug: run },
      { documentSelector: [{ scheme: 'file', pattern: EXPERIMENT_GLOB }] },
    );
  }

  /** Starts the client; a failure is shown with what to do, and does not stop the rest of GAN Studio. */
  static register(context: vscode.ExtensionContext): vscode.Disposable {
    const language = new ExperimentLanguageClient(context.asAbsolutePath('dist/server.js'));
    language.client.start().catch((error: Error) => {
      void vscode.window.showWarningMessage(
        `GAN Studio could not start its experiment-file checker: ${error.message}. Experiment files still train; reload the window to retry.`,
      );
    });
    return language;
  }

  dispose(): void {
    void this.client.stop();
  }
}
