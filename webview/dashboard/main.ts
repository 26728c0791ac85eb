/**
 * Entry of the dashboard webview bundle (dist/webview/dashboard.js and .css): registers the
 * @vscode-elements components it uses, then starts the page on the run named by the host.
 */
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-icon/index.js';
import '@vscode-elements/elements/dist/vscode-multi-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { HostMessage, WebviewMessage } from '../../src/protocol/dashboardProtocol';
import { vscodeApi } from '../common/vscodeApi';
import { App } from './app';

const vscode = vscodeApi<WebviewMessage, unknown>();
const send = (message: WebviewMessage) => vscode.send(message);

function start(): void {
  const root = document.getElementById('app');
  const runDir = document.body.dataset.runDir;
  if (!root || !runDir) throw new Error('The dashboard page is missing its run.');
  const app = new App(root, { send, saveState: vscode.saveState }, runDir, vscode.state());
  (window as unknown as { ganDashboard: App }).ganDashboard = app;
  window.addEventListener('message', (event: MessageEvent<HostMessage>) => app.onMessage(event.data));
}

window.addEventListener('error', (event) => send({ type: 'log', level: 'error', message: `Dashboard error: ${event.message}` }));
window.addEventListener('unhandledrejection', (event) => send({ type: 'log', level: 'error', message: `Dashboard error: ${String(event.reason)}` }));
start();
