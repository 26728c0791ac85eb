/** Decimation: the drawn rows look like all the rows, and they are real rows. */
import * as assert from 'node:assert/strict';
import { decimate, IncrementalDecimator, visibleRange } from '../../../webview/dashboard/model/decimate';
import { random, spikySeries } from '../../fixtures/runFixtures';

describe('dashboard: decimation', () => {
  const n = 100_000;
  const x = Float64Array.from({ length: n }, (_, i) => i * 50);
  const a = spikySeries(n, 1);
  const b = spikySeries(n, 2);

  it('keeps every row when there are few', () => {
    assert.deepEqual([...decimate(x, [a, b], 10, 40, 100)], Array.from({ length: 30 }, (_, i) => 10 + i));
  });

  it('keeps, per pixel column, the first, last, lowest and highest row of every series', () => {
    const buckets = 800;
    const idx = decimate(x, [a, b], 0, n, buckets);
    assert.ok(idx.length <= buckets * 6, `${idx.length} rows for ${buckets} columns`);
    assert.ok(idx.length > buckets, 'more than one row per column');
    for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], 'sorted, no duplicates');
    assert.equal(idx[0], 0);
    assert.equal(idx[idx.length - 1], n - 1);
    // Every column's extremes survive.
    const width = (x[n - 1] - x[0]) / buckets;
    const kept = new Set(idx);
    for (let col = 0; col < buckets; col += 37) {
      let lo = -1;
      let hi = -1;
      for (let i = 0; i < n; i++) {
        const c = Math.min(buckets - 1, Math.floor((x[i] - x[0]) / width));
        if (c !== col) continue;
        if (lo < 0 || a[i] < a[lo]) lo = i;
        if (hi < 0 || a[i] > a[hi]) hi = i;
      }
      assert.ok(kept.has(lo) && kept.has(hi), `column ${col}`);
    }
    // Global extremes too.
    const argmax = a.indexOf(Math.max(...a));
    assert.ok(kept.has(argmax));
  });

  it('works on a sub-range and skips NaN when looking for extremes', () => {
    const withNaN = Float64Array.from(a);
    withNaN.fill(NaN, 5000, 6000);
    const idx = decimate(x, [withNaN], 2000, 20000, 100);
    assert.ok(idx[0] >= 2000 && idx[idx.length - 1] <= 19999);
    assert.ok(idx.length <= 100 * 4 + 4);
  });

  it('finds the rows of a zoomed range, with one row beyond each edge', () => {
    assert.deepEqual(visibleRange(x, n, 1000, 2000), [19, 42]);
    assert.deepEqual(visibleRange(x, n, -100, 1e12), [0, n]);
    assert.deepEqual(visibleRange(x, 0, 0, 10), [0, 0]);
  });
});

describe('dashboard: incremental decimation', () => {
  it('gives the same rows as decimating everything with the same columns', () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => i * 2);
    const rnd = random(11);
    const a = Float64Array.from({ length: n }, () => rnd());
    const b = Float64Array.from({ length: n }, () => rnd());
    const dec = new IncrementalDecimator();
    let rows = dec.update('k', x, [a, b], 1000, 500);
    assert.equal(rows[0], 0);
    assert.equal(rows[rows.length - 1], 999);
    // Grow in steps, as a live run does.
    for (let len = 90_000; len <= n; len += 200) {
      if (len === 90_000) dec.update('k', x, [a, b], len, 500); // catch up (may widen the columns)
      rows = dec.update('k', x, [a, b], len, 500);
      assert.equal(rows[rows.length - 1], len - 1);
    }
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i] > rows[i - 1]);
    assert.ok(rows.length <= 500 * 6, `${rows.length} rows`);
    // Global extremes are kept.
    const kept = new Set(rows);
    assert.ok(kept.has(a.indexOf(Math.max(...a))) && kept.has(b.indexOf(Math.min(...b))));
    // The same result as starting afresh with the same key.
    const fresh = new IncrementalDecimator();
    fresh.update('k', x, [a, b], 90_000, 500);
    for (let len = 90_200; len <= n; len += 200) fresh.update('k', x, [a, b], len, 500);
    assert.deepEqual([...fresh.update('k', x, [a, b], n, 500)], [...rows]);
  });

  it('starts again when the data changes (a new key) or is replaced by fewer rows', () => {
    const x = Float64Array.from({ length: 100 }, (_, i) => i);
    const a = Float64Array.from({ length: 100 }, (_, i) => i % 7);
    const dec = new IncrementalDecimator();
    dec.update('a', x, [a], 100, 10);
    assert.equal(dec.update('a', x, [a], 10, 10).at(-1), 9);
    assert.equal(dec.update('b', x, [a], 50, 10).at(-1), 49);
    assert.equal(dec.update('b', x, [a], 0, 10).length, 0);
  });
});
