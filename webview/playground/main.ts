/**
 * Entry of the generator playground webview (dist/webview/playground.js and .css): a grid
 * generated from a checkpoint, an interpolation strip between two samples, and a few latent
 * dimensions of one sample on sliders. Wiring only: the page is ui/, its bookkeeping model/; the
 * host (src/extension/playground) owns the settings and the generator process.
 */
import '../common/elements';
import './playground.css';
import type { HostToPlayground, PlaygroundRestoreState, PlaygroundToHost } from '../../src/protocol/playgroundProtocol';
import { vscodeApi } from '../common/vscodeApi';
import { PlaygroundView } from './ui/playgroundView';

const vscode = vscodeApi<PlaygroundToHost, PlaygroundRestoreState>();
const view = new PlaygroundView(document.getElementById('app')!, vscode);

window.addEventListener('message', (event: MessageEvent<HostToPlayground>) => view.onMessage(event.data));
vscode.send({ type: 'ready' });
