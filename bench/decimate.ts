/**
 * Benchmark of the dashboard's chart decimation (pure code, no browser), not a test:
 *
 * 1. Decimating 100,000 rows of 4 series to about 1,000 pixel columns, as a full redraw does
 *    (median of 20).
 * 2. A live run growing from 90,000 to 100,000 rows, 200 rows an update, with the incremental
 *    decimator (median and worst update).
 *
 *   npm run bench:decimate
 */
import { decimate, IncrementalDecimator } from '../webview/dashboard/model/decimate';
import { spikySeries } from '../test/fixtures/runFixtures';

const ROWS = 100_000;

function median(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

const x = Float64Array.from({ length: ROWS }, (_, i) => i * 50);
const ys = [1, 2, 3, 4].map((seed) => spikySeries(ROWS, seed));

decimate(x, ys, 0, ROWS, 1000); // warm-up
const full: number[] = [];
for (let k = 0; k < 20; k++) {
  const t = performance.now();
  decimate(x, ys, 0, ROWS, 1000);
  full.push(performance.now() - t);
}

const dec = new IncrementalDecimator();
dec.update('live', x, ys, 90_000, 1000);
const appends: number[] = [];
for (let len = 90_200; len <= ROWS; len += 200) {
  const t = performance.now();
  dec.update('live', x, ys, len, 1000);
  appends.push(performance.now() - t);
}

console.log(`full decimation, ${ROWS.toLocaleString('en')} rows x 4 series -> 1,000 columns: median ${median(full).toFixed(2)} ms (20 runs)`);
console.log(`live append of 200 rows at 90,000-100,000 rows: median ${median(appends).toFixed(3)} ms, worst ${Math.max(...appends).toFixed(2)} ms (${appends.length} updates)`);
