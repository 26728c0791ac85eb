/** Aligning runs that log at different steps for uPlot. */
import * as assert from 'node:assert/strict';
import { alignRuns } from '../../../webview/dashboard/model/align';

describe('dashboard: aligning runs', () => {
  it('passes one run through, with NaN as gaps', () => {
    assert.deepEqual(alignRuns([{ x: [0, 1, 2], ys: [[1, NaN, 3]] }]), [[0, 1, 2], [1, null, 3]]);
  });

  it('merges the x values of several runs; a run has null where it has no row', () => {
    const aligned = alignRuns([
      { x: [0, 2, 4], ys: [[1, 2, 3], [10, 20, 30]] },
      { x: [0, 3, 4, 6], ys: [[5, 6, 7, 8]] },
    ]);
    assert.deepEqual(aligned, [
      [0, 2, 3, 4, 6],
      [1, 2, null, 3, null],
      [10, 20, null, 30, null],
      [5, null, 6, 7, 8],
    ]);
  });

  it('leaves out values a log scale cannot show', () => {
    assert.deepEqual(alignRuns([{ x: [0, 1, 2], ys: [[0, -1, 2]] }], true), [[0, 1, 2], [null, null, 2]]);
  });
});
