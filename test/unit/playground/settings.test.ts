/** The playground's settings: validation of what the webview sends, and what each change re-renders. */
import * as assert from 'node:assert/strict';
import { applySettings, defaultSettings, gridCount, planRenders, SLIDER_COUNT } from '../../../src/protocol/playgroundProtocol';

const limits = { latentSize: 100, sampleCount: 64 };

describe('playground settings', () => {
  it('start with 64 seeded samples in eval mode, a spherical strip of 8 and the first dimensions on sliders', () => {
    const s = defaultSettings(100);
    assert.deepEqual([s.source, s.seed, s.count, s.batchNorm, s.mapping, s.method, s.steps], ['seed', 1, 64, 'eval', 'fixed', 'spherical', 8]);
    assert.deepEqual(s.dims, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(defaultSettings(3).dims, [0, 1, 2], 'never more sliders than dimensions');
  });

  it('keep every field valid whatever the webview sends', () => {
    const s = defaultSettings(100);
    assert.equal(applySettings(s, { count: 1000 }, limits).count, 256, 'batch size up to 256');
    assert.equal(applySettings(s, { count: 0 }, limits).count, 1);
    assert.equal(applySettings(s, { seed: -1 }, limits).seed, 1, 'an invalid seed is ignored');
    assert.equal(applySettings(s, { seed: 2 ** 32 - 1 }, limits).seed, 2 ** 32 - 1);
    assert.equal(applySettings(s, { seed: 1.5 }, limits).seed, 1);
    assert.equal(applySettings(s, { steps: 100 }, limits).steps, 16);
    assert.equal(applySettings(s, { batchNorm: 'bogus' as never }, limits).batchNorm, 'eval');
    assert.deepEqual(applySettings(s, { dims: [99, 250, -3] }, limits).dims, [99, 99, 0]);
    assert.equal(applySettings(s, { dims: Array(SLIDER_COUNT + 1).fill(0) }, limits).dims.length, SLIDER_COUNT, 'too many sliders are refused');
  });

  it('keep sample indices inside the grid when it shrinks or the source changes', () => {
    let s = applySettings(defaultSettings(100), { selected: 60, a: 63, b: 50 }, limits);
    assert.deepEqual([s.selected, s.a, s.b], [60, 63, 50]);
    s = applySettings(s, { count: 16 }, limits);
    assert.deepEqual([s.selected, s.a, s.b], [15, 15, 15]);
    s = applySettings(s, { source: 'fixed', selected: 40 }, limits);
    assert.equal(gridCount(s, limits), 64, 'the fixed noise has the run’s sampleCount vectors');
    assert.equal(s.selected, 40);
  });

  it('drop slider edits when another sample is selected or the latents change, and clamp their values', () => {
    let s = applySettings(defaultSettings(100), { edits: [[3, 1.5], [200, 1], [4, 99]] }, limits);
    assert.deepEqual(s.edits, [[3, 1.5], [4, 6]]);
    assert.deepEqual(applySettings(s, { mapping: 'minmax' }, limits).edits, s.edits, 'unrelated changes keep them');
    assert.deepEqual(applySettings(s, { selected: 2 }, limits).edits, []);
    assert.deepEqual(applySettings(s, { seed: 9 }, limits).edits, []);
    s = applySettings(s, { selected: 2, edits: [[0, -2]] }, limits);
    assert.deepEqual([s.selected, s.edits], [2, [[0, -2]]], 'a patch may select and edit at once');
  });

  it('re-render only what a change affects', () => {
    const s = defaultSettings(100);
    const plan = (patch: Parameters<typeof applySettings>[1]) => planRenders(s, applySettings(s, patch, limits));
    assert.deepEqual(planRenders(undefined, s), { latents: true, grid: true, strip: true, single: true });
    assert.deepEqual(plan({ seed: 7 }), { latents: true, grid: true, strip: true, single: true });
    assert.deepEqual(plan({ batchNorm: 'train' }), { latents: false, grid: true, strip: false, single: false });
    assert.deepEqual(plan({ edits: [[1, 0.5]] }), { latents: false, grid: false, strip: false, single: true }, 'a slider frame renders one image');
    assert.deepEqual(plan({ method: 'linear' }), { latents: false, grid: false, strip: true, single: false });
    assert.deepEqual(plan({ mapping: 'minmax' }), { latents: false, grid: false, strip: false, single: false }, 'grey levels are mapped in the webview');
    assert.deepEqual(plan({ dims: [7, 8] }), { latents: false, grid: false, strip: false, single: false });
  });
});
