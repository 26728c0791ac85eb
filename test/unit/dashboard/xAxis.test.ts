/** The x axis modes and the mapping between steps and positions on them. */
import * as assert from 'node:assert/strict';
import { fillX, formatX, stepToX, xToStep } from '../../../webview/dashboard/model/xAxis';

describe('dashboard: x axis', () => {
  const source = {
    step: [0, 50, 100, 150],
    time: [1_000_000, 1_010_000, NaN, 1_030_000],
    elapsedSec: [0.5, 10, 20, 15],
  };

  it('computes step, epoch, training time and wall time, keeping the axis sorted', () => {
    const out = new Float64Array(4);
    fillX('step', source, 100, out, 0, 4);
    assert.deepEqual([...out], [0, 50, 100, 150]);
    fillX('epoch', source, 100, out, 0, 4);
    assert.deepEqual([...out], [0, 0.5, 1, 1.5]);
    fillX('wall', source, 100, out, 0, 4);
    assert.deepEqual([...out], [1000, 1010, 1010, 1030], 'a missing time repeats the previous one');
    fillX('relative', source, 100, out, 0, 4);
    assert.deepEqual([...out], [0.5, 10, 20, 20], 'never goes back');
  });

  it('extends incrementally', () => {
    const out = new Float64Array(4);
    fillX('epoch', source, 50, out, 0, 2);
    fillX('epoch', source, 50, out, 2, 4);
    assert.deepEqual([...out], [0, 1, 2, 3]);
  });

  it('maps a step to a position between records, and a position to the nearest record', () => {
    const steps = [0, 50, 100];
    const xs = [0, 10, 30];
    assert.equal(stepToX(steps, xs, 3, 50), 10);
    assert.equal(stepToX(steps, xs, 3, 75), 20);
    assert.equal(stepToX(steps, xs, 3, 500), 30, 'after the last record: the end');
    assert.equal(stepToX(steps, xs, 0, 5), undefined);
    assert.equal(xToStep(steps, xs, 3, 12), 50);
    assert.equal(xToStep(steps, xs, 3, 25), 100);
    assert.equal(xToStep(steps, xs, 3, -5), 0);
  });

  it('labels ticks', () => {
    assert.equal(formatX('step', 12000), '12,000');
    assert.equal(formatX('epoch', 2), '2');
    assert.equal(formatX('epoch', 2.5), '2.5');
    assert.equal(formatX('relative', 125), '2m 5s');
  });
});
