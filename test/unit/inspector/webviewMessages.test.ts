/** Every webview protocol checks what its webview sends: the inspector's and the playground's parsers. */
import * as assert from 'node:assert/strict';
import { parseInspectorMessage } from '../../../src/protocol/inspectorProtocol';
import { parsePlaygroundMessage, parseRestoreState } from '../../../src/protocol/playgroundProtocol';

describe('webview messages are checked at run time', () => {
  it('inspector: accepts its messages and refuses anything else', () => {
    assert.deepEqual(parseInspectorMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseInspectorMessage({ type: 'compare', dir: null }), { type: 'compare', dir: null });
    assert.deepEqual(parseInspectorMessage({ type: 'compare', dir: '/runs/b' }), { type: 'compare', dir: '/runs/b' });
    assert.deepEqual(parseInspectorMessage({ type: 'openPlayground', step: 12 }), { type: 'openPlayground', step: 12 });
    for (const bad of [null, 'ready', [], { type: 'compare' }, { type: 'compare', dir: 3 }, { type: 'gridFailed' }, { type: 'openPlayground', step: 'x' }, { type: 'delete' }]) {
      assert.equal(parseInspectorMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('playground: accepts its messages, keeps only known settings fields, and refuses anything else', () => {
    assert.deepEqual(parsePlaygroundMessage({ type: 'update', patch: { seed: 3, evil: true }, seq: 1 }), { type: 'update', patch: { seed: 3 }, seq: 1 });
    assert.deepEqual(parsePlaygroundMessage({ type: 'slide', edits: [[1, 0.5]], seq: 2 }), { type: 'slide', edits: [[1, 0.5]], seq: 2 });
    assert.deepEqual(parsePlaygroundMessage({ type: 'copyLatent', target: { kind: 'sample', index: 4 } }), { type: 'copyLatent', target: { kind: 'sample', index: 4 } });
    assert.deepEqual(parsePlaygroundMessage({ type: 'frameTimes', kind: 'single', ms: [1, 2], renderMs: [1] }), { type: 'frameTimes', kind: 'single', ms: [1, 2], renderMs: [1] });
    for (const bad of [
      { type: 'update', patch: 3, seq: 1 },
      { type: 'update', patch: {} },
      { type: 'slide', edits: [[1.5, 0]], seq: 1 },
      { type: 'copyLatent', target: { kind: 'sample', index: -1 } },
      { type: 'frameTimes', kind: 'movie', ms: [], renderMs: [] },
      { type: 'randomSeed', seq: 'x' },
      { type: 'nope' },
    ]) {
      assert.equal(parsePlaygroundMessage(bad), undefined, JSON.stringify(bad));
    }
    assert.deepEqual(parseRestoreState({ checkpointDir: '/c', settings: { seed: 2, x: 1 } }), { checkpointDir: '/c', settings: { seed: 2 } });
    assert.equal(parseRestoreState({ settings: {} }), undefined);
  });
});
