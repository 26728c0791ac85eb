/** The webview's side of the VS Code API, typed by the webview's message protocol. */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

/** acquireVsCodeApi may be called once per page; every caller shares the one handle. */
export function vscodeApi<ToHost, State>(): { send(message: ToHost): void; state(): State | undefined; saveState(state: State): void } {
  api ??= acquireVsCodeApi();
  const handle = api;
  return {
    send: (message) => handle.postMessage(message),
    state: () => (handle.getState() ?? undefined) as State | undefined,
    saveState: (state) => handle.setState(state),
  };
}
