/** TensorBoard's smoothing (debiased EMA), computed incrementally. */
import * as assert from 'node:assert/strict';
import { emaSmooth, emaStart } from '../../../webview/dashboard/model/ema';
import { random } from '../../fixtures/runFixtures';

/** TensorBoard's scalar smoothing, written as in its source, as the reference. */
function tensorBoard(values: number[], weight: number): number[] {
  let last = 0;
  let numAccum = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    numAccum++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, numAccum);
    return last / debias;
  });
}

describe('dashboard: smoothing', () => {
  const rnd = random(3);
  const values = Array.from({ length: 500 }, () => rnd() * 4);

  it('matches TensorBoard’s debiased EMA', () => {
    for (const w of [0, 0.3, 0.6, 0.9, 0.999]) {
      const out = new Float64Array(values.length);
      emaSmooth(values, w, out);
      const ref = tensorBoard(values, w);
      out.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-12, `w=${w} i=${i}`));
    }
  });

  it('starts on the first value (no pull towards zero) and leaves a constant series constant', () => {
    const out = new Float64Array(4);
    emaSmooth([2.5, 2.5, 2.5, 2.5], 0.9, out);
    for (const v of out) assert.ok(Math.abs(v - 2.5) < 1e-12);
    emaSmooth([7, 0, 0, 0], 0.99, out);
    assert.equal(out[0], 7);
  });

  it('is raw at weight 0', () => {
    const out = new Float64Array(values.length);
    emaSmooth(values, 0, out);
    assert.deepEqual([...out], values);
  });

  it('continues from a saved state exactly as one pass over everything', () => {
    const whole = new Float64Array(values.length);
    emaSmooth(values, 0.8, whole);
    const inc = new Float64Array(values.length);
    let s = emaStart();
    let from = 0;
    for (const end of [1, 7, 100, 101, 500]) {
      s = emaSmooth(values.slice(0, end), 0.8, inc, from, s);
      from = end;
    }
    assert.deepEqual([...inc], [...whole]);
  });

  it('passes NaN through without disturbing the average', () => {
    const out = new Float64Array(3);
    emaSmooth([1, NaN, 1], 0.5, out);
    assert.equal(out[0], 1);
    assert.ok(Number.isNaN(out[1]));
    assert.ok(Math.abs(out[2] - 1) < 1e-12);
  });
});
