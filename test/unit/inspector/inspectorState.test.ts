/** The grid inspector webview's state without the DOM: view state, slider following, comparison, captions, keys. */
import * as assert from 'node:assert/strict';
import type { InspectorDocument, InspectorRun } from '../../../src/protocol/inspectorProtocol';
import { HINT_TEXT, InspectorState, restoreViewState, shortcut } from '../../../webview/inspector/model/inspectorState';

function run(name: string, steps: number[], real = true): InspectorRun {
  return {
    dir: `/runs/${name}`,
    id: name,
    name,
    status: 'completed',
    sampleCount: 64,
    imageSize: 32,
    realCount: 64,
    grids: steps.map((step) => ({ step, epoch: Math.floor(step / 100), file: `samples/step-${step}.grid.png`, src: `${name}:${step}` })),
    real: real ? { file: 'samples/real.grid.png', src: `${name}:real` } : null,
  };
}

function doc(r: InspectorRun | null, step: number | null, kind: InspectorDocument['kind'] = 'generated'): InspectorDocument {
  return { file: '/runs/a/samples/x.grid.png', fileName: 'x.grid.png', src: 'doc', kind, step, epoch: step === null ? null : 0, width: 274, height: 274, run: r, notice: null };
}

describe('inspector webview state', () => {
  it('opens on the grid of the document, and restores a saved view only for the same file, field by field', () => {
    const state = new InspectorState();
    state.init(doc(run('a', [0, 100, 200, 300]), 200), [], undefined);
    assert.equal(state.index, 2);
    assert.equal(state.view?.zoom, 'fit');
    const saved = { file: '/runs/a/samples/x.grid.png', step: 100, showReal: false, zoom: 4, selected: 3, compareDir: '/runs/b', compareMode: 'wipe', wipe: 7 };
    const restored = restoreViewState(saved, doc(null, 0));
    assert.deepEqual(restored, { ...saved, wipe: 1 }, 'the wipe position is clamped to 0..1');
    assert.equal(restoreViewState({ ...saved, file: '/elsewhere.grid.png' }, doc(null, 0)).zoom, 'fit', 'another file starts fresh');
    const bad = restoreViewState({ ...saved, zoom: 'huge', selected: -1, compareMode: 'diagonal' }, doc(null, 0));
    assert.deepEqual([bad.zoom, bad.selected, bad.compareMode, bad.step], ['fit', null, 'side', 100]);
    const fresh = new InspectorState();
    fresh.init(doc(run('a', [0, 100, 200, 300]), 200), [], saved);
    assert.equal(fresh.index, 1, 'the saved step wins over the file opened');
  });

  it('follows new grids while on the newest (not while playing), else stays on its step', () => {
    const state = new InspectorState();
    state.init(doc(run('a', [0, 100]), null), [], undefined);
    assert.equal(state.index, 1, 'no step: the newest grid');
    state.setRun(run('a', [0, 100, 200]), false);
    assert.equal(state.index, 2, 'followed');
    state.setRun(run('a', [0, 100, 200, 300]), true);
    assert.equal(state.index, 2, 'playing: stays');
    state.goTo(0);
    state.setRun(run('a', [0, 50, 100, 200, 300]), false);
    assert.equal(state.currentStep(), 0, 'stays on step 0');
    state.setRun(run('a', []), false);
    assert.equal(state.index, -1);
    assert.equal(state.goTo(3), false, 'nothing to show');
  });

  it('compares at the nearest step and says so in the captions', () => {
    const state = new InspectorState();
    state.init(doc(run('a', [0, 100, 200]), 200), [], undefined);
    assert.deepEqual(state.captions(state.compareEntry(), 'side'), { a: '', b: '' }, 'no captions without a comparison');
    state.setCompare(run('b', [0, 150]));
    const entry = state.compareEntry();
    assert.deepEqual(entry, { src: 'b:150', step: 150, epoch: 1, exact: false });
    assert.deepEqual(state.captions(entry, 'side'), { a: 'A · a · step 200 · epoch 2', b: 'B · b · step 150 · epoch 1 (nearest to 200)' });
    assert.equal(state.captions(entry, 'wipe').a, 'A · a · step 200 · epoch 2  |  B · b · step 150 · epoch 1 (nearest to 200)');
    state.view!.showReal = true;
    assert.equal(state.sourceA(), 'a:real');
    assert.deepEqual(state.compareEntry(), { src: 'b:real', step: null, epoch: null, exact: true });
    assert.equal(state.whereText(), 'Training images (real)');
    state.view!.showReal = false;
    state.setCompare(run('c', []));
    assert.equal(state.captions(state.compareEntry(), 'side').a, 'A · a · step 200 · epoch 2  —  c has no grid to compare yet');
    state.view!.compareDir = '/runs/c';
    state.setCompare(null);
    assert.equal(state.view!.compareDir, null, 'a comparison that went away is forgotten');
    assert.deepEqual(new Set(state.liveSources()), new Set(['a:0', 'a:100', 'a:200', 'a:real']));
  });

  it('finds the cells of a grid in a run, and of full rows of 32 px images outside one', () => {
    const state = new InspectorState();
    state.init(doc(run('a', [0]), 0), [], undefined);
    assert.equal(state.geometryOf(274, 274)?.count, 64);
    const outside = new InspectorState();
    outside.init(doc(null, null, 'other'), [], undefined);
    assert.deepEqual([outside.geometryOf(138, 70)?.columns, outside.geometryOf(138, 70)?.rows], [4, 2]);
    assert.equal(outside.geometryOf(100, 100), undefined, 'not whole cells');
    assert.equal(outside.hoverText(undefined, undefined), HINT_TEXT);
    assert.equal(state.hoverText(9, state.geometryOf(274, 274)), 'Sample 9 · row 1, column 1 — click to see it enlarged with its history');
    state.select(9);
    assert.match(state.hoverText(9, state.geometryOf(274, 274)), /click to close$/);
    state.select(9);
    assert.equal(state.view!.selected, null, 'a second click closes');
  });

  it('shows the document notice, failed grids on screen only, and a run without grids', () => {
    const state = new InspectorState();
    state.init({ ...doc(run('a', []), null), notice: 'not in a run' }, [], undefined);
    state.gridProblems.set('elsewhere', { message: 'broken' });
    assert.deepEqual(state.banners().map((b) => [b.kind, b.problem.message]), [
      ['info', 'not in a run'],
      ['info', 'This run has no generated grids yet.'],
    ]);
    state.gridProblems.set('doc', { message: 'doc is broken' });
    assert.deepEqual(state.banners().map((b) => b.problem.message).includes('doc is broken'), true);
  });

  it('maps keys to actions', () => {
    assert.deepEqual(shortcut('='), { kind: 'zoom', direction: 1 });
    assert.deepEqual(shortcut('0'), { kind: 'zoomTo', zoom: 'fit' });
    assert.deepEqual(shortcut('ArrowLeft'), { kind: 'step', delta: -1 });
    assert.deepEqual(shortcut('R'), { kind: 'toggleReal' });
    assert.equal(shortcut('x'), undefined);
  });
});
