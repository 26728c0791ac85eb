/**
 * Entry of the runs table webview bundle (dist/webview/runsTable.js and .css): registers the
 * @vscode-elements components it uses and wires the page to the host.
 */
import '../common/elements';
import './runsTable.css';
import type { TableHostMessage, TableWebviewMessage } from '../../src/protocol/runsTableProtocol';
import { vscodeApi } from '../common/vscodeApi';
import { parseTableView, TableViewState } from './model/viewState';
import { TableApp } from './ui/tableApp';

const api = vscodeApi<TableWebviewMessage, TableViewState>();
const root = document.getElementById('app');
if (!root) throw new Error('The runs table page has no #app element.');
const app = new TableApp(root, { send: api.send, saveState: api.saveState }, parseTableView(api.state()));
(window as unknown as { ganRunsTable: TableApp }).ganRunsTable = app;
window.addEventListener('message', (event: MessageEvent<TableHostMessage>) => app.onMessage(event.data));
api.send({ type: 'ready' });
