/**
 * Chooses which rows of a long series to draw. A chart w pixels wide cannot show more than a
 * handful of values per pixel column, so per column of x the first, the last, the lowest and the
 * highest row of every series are kept (M4 decimation): the drawn lines look exactly like the
 * full data, and every drawn point is a real record, so hovering shows real values. Pure.
 */
import { lowerBound, upperBound } from './search';

/** Rows [from, to) whose x lies in [min, max], plus one row on each side so lines reach the edges. */
export function visibleRange(x: ArrayLike<number>, length: number, min: number, max: number): [number, number] {
  const from = Math.max(0, lowerBound(x, min, length) - 1);
  const to = Math.min(length, upperBound(x, max, length) + 1);
  return [from, Math.max(from, to)];
}

/**
 * Indices of the rows to draw among [from, to) for a chart `buckets` pixels wide. `series` are
 * the y columns that share the rows (NaN values are skipped when looking for extremes). When there
 * are few enough rows, all of them are returned.
 */
export function decimate(x: ArrayLike<number>, series: readonly ArrayLike<number>[], from: number, to: number, buckets: number): Int32Array {
  const count = Math.max(0, to - from);
  const perBucket = 2 + 2 * series.length;
  if (count <= Math.max(1, buckets) * perBucket || count < 3) {
    const all = new Int32Array(count);
    for (let i = 0; i < count; i++) all[i] = from + i;
    return all;
  }
  const x0 = x[from];
  const span = x[to - 1] - x0;
  const width = span > 0 ? span / buckets : 1;
  const out = new Int32Array(Math.min(count, (buckets + 1) * perBucket));
  let n = 0;
  const picked = new Int32Array(perBucket);
  const minIdx = new Int32Array(series.length);
  const maxIdx = new Int32Array(series.length);
  let bucket = -1;
  let first = from;
  let last = from;

  const flush = () => {
    let k = 0;
    picked[k++] = first;
    for (let s = 0; s < series.length; s++) {
      if (minIdx[s] >= 0) picked[k++] = minIdx[s];
      if (maxIdx[s] >= 0) picked[k++] = maxIdx[s];
    }
    picked[k++] = last;
    const sorted = picked.subarray(0, k).sort();
    for (let j = 0; j < k; j++) {
      if (j === 0 || sorted[j] !== sorted[j - 1]) {
        if (n === 0 || out[n - 1] !== sorted[j]) out[n++] = sorted[j];
      }
    }
  };

  for (let i = from; i < to; i++) {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor((x[i] - x0) / width)));
    if (b !== bucket) {
      if (bucket >= 0) flush();
      bucket = b;
      first = i;
      minIdx.fill(-1);
      maxIdx.fill(-1);
    }
    last = i;
    for (let s = 0; s < series.length; s++) {
      const v = series[s][i];
      if (v !== v) continue; // NaN
      if (minIdx[s] < 0 || v < series[s][minIdx[s]]) minIdx[s] = i;
      if (maxIdx[s] < 0 || v > series[s][maxIdx[s]]) maxIdx[s] = i;
    }
  }
  if (bucket >= 0) flush();
  return out.slice(0, n);
}
