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

/**
 * Decimation of a table that grows at the end, for the unzoomed chart, done incrementally. The
 * pixel columns have a fixed width anchored at the first row, with headroom (the span times 1.5),
 * so a column that is complete never changes when rows are appended: an update costs time in
 * proportion to the rows of the last column and the new rows, not to the whole run. When the data
 * outgrows the headroom the columns are made wider and everything is decimated again, which
 * happens a handful of times over a run.
 */
export class IncrementalDecimator {
  private width = 0;
  private x0 = 0;
  private done = new Int32Array(1024);
  private doneLength = 0;
  /** The first row of the last, incomplete column. */
  private doneRows = 0;
  private key = '';

  /**
   * Rows to draw among [0, length) for `buckets` columns. `key` names the data (its run, axis,
   * smoothing and generation): when it changes, everything is decimated again.
   */
  update(key: string, x: ArrayLike<number>, series: readonly ArrayLike<number>[], length: number, buckets: number): Int32Array {
    if (length === 0) {
      this.reset(key);
      return new Int32Array(0);
    }
    const span = x[length - 1] - x[0];
    if (key !== this.key || this.width === 0 || x[0] !== this.x0 || span >= this.width * buckets || length < this.doneRows) {
      this.reset(key);
      this.x0 = x[0];
      this.width = span > 0 ? (span * 1.5) / buckets : 1;
    }
    // Complete the columns before the last one; the last one is decimated again next time.
    const column = (i: number) => Math.floor((x[i] - this.x0) / this.width);
    let start = this.doneRows;
    for (let i = start + 1; i < length; i++) {
      if (column(i) !== column(start)) {
        this.append(decimateColumn(series, start, i));
        start = i;
      }
    }
    this.doneRows = start;
    const tail = decimateColumn(series, start, length);
    const out = new Int32Array(this.doneLength + tail.length);
    out.set(this.done.subarray(0, this.doneLength));
    out.set(tail, this.doneLength);
    return out;
  }

  private append(rows: Int32Array): void {
    if (this.doneLength + rows.length > this.done.length) {
      const grown = new Int32Array(Math.max(this.done.length * 2, this.doneLength + rows.length));
      grown.set(this.done.subarray(0, this.doneLength));
      this.done = grown;
    }
    this.done.set(rows, this.doneLength);
    this.doneLength += rows.length;
  }

  private reset(key: string): void {
    this.key = key;
    this.width = 0;
    this.doneLength = 0;
    this.doneRows = 0;
  }
}

/** The first, last, lowest and highest rows of every series among [from, to), sorted, without repeats. */
function decimateColumn(series: readonly ArrayLike<number>[], from: number, to: number): Int32Array {
  const picks: number[] = [from, to - 1];
  for (const s of series) {
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = s[i];
      if (v !== v) continue; // NaN
      if (lo < 0 || v < s[lo]) lo = i;
      if (hi < 0 || v > s[hi]) hi = i;
    }
    if (lo >= 0) picks.push(lo, hi);
  }
  picks.sort((a, b) => a - b);
  const out: number[] = [];
  for (const p of picks) if (out.length === 0 || out[out.length - 1] !== p) out.push(p);
  return Int32Array.from(out);
}
