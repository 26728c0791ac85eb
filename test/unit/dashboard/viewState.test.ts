/** View settings, their persistence, and the timeline's index arithmetic. */
import * as assert from 'node:assert/strict';
import { defaultViewState, parseViewState, parseWebviewMessage } from '../../../src/protocol/dashboardProtocol';
import { nextFrame, reduceView, stepForIndex, timelineIndex } from '../../../webview/dashboard/model/viewState';

describe('dashboard: view state', () => {
  const base = defaultViewState('/runs/a');

  it('applies actions, clamping and validating', () => {
    assert.equal(reduceView(base, { type: 'smoothing', value: 2 }).smoothing, 0.999);
    assert.equal(reduceView(base, { type: 'smoothing', value: -1 }).smoothing, 0);
    const zoomed = reduceView(base, { type: 'zoom', value: { min: 10, max: 20 } });
    assert.deepEqual(zoomed.zoom, { min: 10, max: 20 });
    assert.equal(reduceView(zoomed, { type: 'zoom', value: { min: 20, max: 10 } }), zoomed, 'an empty range is ignored');
    assert.equal(reduceView(zoomed, { type: 'xAxis', value: 'epoch' }).zoom, null, 'a new axis drops the zoom in old units');
    assert.deepEqual(reduceView(base, { type: 'compare', value: ['/runs/b', '/runs/a', '/runs/b'] }).compare, ['/runs/b']);
    assert.equal(reduceView(base, { type: 'fps', value: 3 }), base);
    assert.equal(reduceView(base, { type: 'fps', value: 5 }).fps, 5);
    assert.equal(reduceView(base, { type: 'gridStep', value: 40 }).gridStep, 40);
  });

  it('reads saved state defensively', () => {
    assert.equal(parseViewState(undefined), undefined);
    assert.equal(parseViewState({ compare: [] }), undefined, 'no run');
    const s = parseViewState({ runDir: '/r', compare: ['/a', 3, '/r', '/a'], smoothing: 'x', xAxis: 'nope', logScale: true, gridStep: 7, zoom: { min: 3, max: 1 }, fps: 10 })!;
    assert.deepEqual(s, { ...defaultViewState('/r'), compare: ['/a'], logScale: true, gridStep: 7, fps: 10 });
  });

  it('checks messages from the webview', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'runAction', action: 'pause' }), { type: 'runAction', action: 'pause' });
    assert.equal(parseWebviewMessage({ type: 'runAction', action: 'rm -rf' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'nope' }), undefined);
    assert.equal(parseWebviewMessage('ready'), undefined);
    assert.equal(parseWebviewMessage({ type: 'ready', view: {} }), undefined);
    assert.equal(parseWebviewMessage({ type: 'ready', view: { runDir: '/r' } })?.type, 'ready');
    assert.equal(parseWebviewMessage({ type: 'exportImage', kind: 'png', fileName: 'a.png', data: [1, 2] }), undefined, 'bytes must be a Uint8Array');
    assert.equal(parseWebviewMessage({ type: 'exportImage', kind: 'gif', fileName: 'a.gif', data: new Uint8Array(2) })?.type, 'exportImage');
    assert.equal(parseWebviewMessage({ type: 'openGrid', step: '3' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'log', level: 'error', message: 'x' }), { type: 'log', level: 'error', message: 'x' });
  });

  it('maps the slider to grids: the newest one follows new grids', () => {
    const steps = [0, 100, 200];
    assert.equal(timelineIndex(steps, null), 2);
    assert.equal(timelineIndex(steps, 150), 1);
    assert.equal(timelineIndex(steps, -5), 0);
    assert.equal(timelineIndex([], null), -1);
    assert.equal(stepForIndex(steps, 1), 100);
    assert.equal(stepForIndex(steps, 2), null);
    assert.equal(nextFrame(2, 3), 0);
    assert.equal(nextFrame(0, 3), 1);
  });
});
