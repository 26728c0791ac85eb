/**
 * The one way the extension hosts a webview (dashboard, grid inspector, playground): the page
 * (webviewHtml.ts: strict CSP, the bundle `dist/webview/<bundle>.js`), the resource roots, typed
 * `post`, incoming messages checked by the protocol's `parse…Message` before the handler sees them,
 * the `ready` handshake (a webview torn down when hidden asks again when shown), and dispose.
 */
import * as vscode from 'vscode';
import { DisposableStore } from './util/disposable';
import { makeNonce, webviewPage, WebviewPageParts } from './webviewHtml';

export interface WebviewHostOptions<In> {
  /** Names the webview in log lines: "dashboard", "inspector", "playground". */
  name: string;
  extensionUri: vscode.Uri;
  /** The protocol's parser: the message, or undefined when it is not one. */
  parse: (value: unknown) => In | undefined;
  /** Handles a checked message; a failure is logged and shown to the user. */
  handle: (message: In) => void | Promise<void>;
  log: (line: string) => void;
}

export interface WebviewPageOptions {
  /** dist/webview/<bundle>.js and .css. */
  bundle: string;
  title: string;
  /** Shown until the script has started. */
  loadingText: string;
  /** `data-*` attributes of the body, for the script to read first. */
  bodyData?: Record<string, string>;
  /** Folders the page may load images from, besides the built assets. */
  roots?: vscode.Uri[];
}

export class WebviewHost<Out, In extends { type: string }> implements vscode.Disposable {
  private readonly disposables = new DisposableStore();
  private isReady = false;
  private disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly options: WebviewHostOptions<In>,
  ) {
    this.disposables.add(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this.disposables.add(
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down (its state is saved); it says `ready` again when shown.
        if (!panel.visible) this.isReady = false;
      }),
    );
  }

  /** The webview has said `ready` (since it was last shown) and takes messages. */
  get ready(): boolean {
    return this.isReady;
  }

  /** The built webview assets: always a resource root. */
  get assets(): vscode.Uri {
    return vscode.Uri.joinPath(this.options.extensionUri, 'dist', 'webview');
  }

  /** What every page needs from the webview: its CSP source, a fresh nonce and the URIs of a bundle's assets. */
  pageParts(bundle: string): Pick<WebviewPageParts, 'cspSource' | 'nonce' | 'scriptUri' | 'styleUri' | 'codiconUri'> {
    const webview = this.panel.webview;
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.assets, name)).toString();
    return {
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asset(`${bundle}.js`),
      styleUri: asset(`${bundle}.css`),
      codiconUri: asset('codicon.css'),
    };
  }

  /** Sets the page: its resource roots, then the HTML that loads the bundle. */
  setPage(page: WebviewPageOptions): void {
    this.setRoots(page.roots ?? []);
    this.panel.webview.html = webviewPage({
      ...this.pageParts(page.bundle),
      title: page.title,
      loadingText: page.loadingText,
      ...(page.bodyData ? { bodyData: page.bodyData } : {}),
    });
  }

  /** The built assets and `roots`: nothing else can load. Leaves the options alone when nothing changed (setting them reloads nothing, but costs a round trip). */
  setRoots(roots: vscode.Uri[]): void {
    const unique = new Map<string, vscode.Uri>();
    for (const uri of [this.assets, ...roots]) unique.set(uri.toString(), uri);
    const next = [...unique.values()];
    const current = this.panel.webview.options.localResourceRoots ?? [];
    if (this.panel.webview.options.enableScripts && current.length === next.length && current.every((u, i) => u.toString() === next[i].toString())) return;
    this.panel.webview.options = { enableScripts: true, localResourceRoots: next };
  }

  post(message: Out): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private async receive(raw: unknown): Promise<void> {
    const message = this.options.parse(raw);
    const name = this.options.name;
    if (!message) {
      this.options.log(`[${name}] Ignored a message the ${name} does not know: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') this.isReady = true;
    try {
      await this.options.handle(message);
    } catch (error) {
      this.options.log(`[${name}] ${message.type} failed: ${(error as Error).stack ?? error}`);
      void vscode.window.showErrorMessage(`GAN Studio ${name}: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.disposables.dispose();
  }
}
