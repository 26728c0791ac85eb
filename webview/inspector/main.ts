/**
 * Entry of the grid inspector webview (dist/webview/inspector.js and .css): a sample grid
 * pixel-exact at any zoom, a step slider with play over the run's grids, a cell's history across
 * training, and an A/B comparison with another run. Wiring only: the state is model/, the page ui/;
 * the host (src/extension/inspector) sends the runs.
 */
import '../common/elements';
import './inspector.css';
import { assertNever } from '../../src/protocol/experimentConfig';
import type { HostToInspector, InspectorToHost } from '../../src/protocol/inspectorProtocol';
import { vscodeApi } from '../common/vscodeApi';
import { ImageCache } from './imageCache';
import { InspectorState, InspectorViewState } from './model/inspectorState';
import { InspectorView } from './ui/inspectorView';

const vscode = vscodeApi<InspectorToHost, InspectorViewState>();
const cache = new ImageCache((src) => vscode.send({ type: 'gridFailed', src }));
const state = new InspectorState();
const view = new InspectorView(document.getElementById('app')!, state, vscode, cache);

window.addEventListener('message', (event: MessageEvent<HostToInspector>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      state.init(message.document, message.runs, vscode.state());
      view.show();
      if (state.view?.compareDir) vscode.send({ type: 'compare', dir: state.view.compareDir });
      return;
    case 'run':
      if (!state.view) return;
      state.setRun(message.run, view.playing);
      cache.retain(state.liveSources());
      view.render();
      return;
    case 'runs':
      state.runs = message.runs;
      view.render();
      return;
    case 'compare':
      state.setCompare(message.run);
      view.saveView();
      view.render();
      return;
    case 'error':
      view.showFatal(message.problem);
      return;
    case 'gridProblem':
      state.gridProblems.set(message.src, message.problem);
      view.renderBanners();
      return;
    default:
      assertNever(message);
  }
});

vscode.send({ type: 'ready' });
