/**
 * A growable table of metric columns (Float64Array each, capacity doubling), so that appending a
 * record is O(1) and a run of 100,000 records is a handful of contiguous arrays. Used by the
 * extension host (to keep a run's metrics between messages) and by the dashboard webview. Pure.
 */
import { FLOAT32_COLUMNS, METRIC_COLUMNS, MetricColumn, MetricColumns, WireColumns } from './dashboardProtocol';
import type { MetricRecord } from './runFormat';

export function emptyColumns(): MetricColumns {
  return Object.fromEntries(METRIC_COLUMNS.map((c) => [c, new Float64Array(0)])) as MetricColumns;
}

/** Rows of `columns`, checking that every column is there and all have the same length. */
export function columnsLength(columns: WireColumns): number {
  const n = columns.step?.length;
  for (const c of METRIC_COLUMNS) {
    if (!(columns[c] instanceof Float64Array || columns[c] instanceof Float32Array)) throw new Error(`metric column "${c}" is missing`);
    if (columns[c].length !== n) throw new Error(`metric column "${c}" has ${columns[c].length} rows, "step" has ${n}`);
  }
  return n;
}

export class MetricTable {
  private data: MetricColumns;
  private size = 0;

  constructor(capacity = 256) {
    this.data = Object.fromEntries(METRIC_COLUMNS.map((c) => [c, new Float64Array(Math.max(1, capacity))])) as MetricColumns;
  }

  get length(): number {
    return this.size;
  }

  get capacity(): number {
    return this.data.step.length;
  }

  /** The live column (a view of the first `length` values; valid until the next append). */
  column(name: MetricColumn): Float64Array {
    return this.data[name].subarray(0, this.size);
  }

  /** Views of every column (valid until the next append). */
  columns(): MetricColumns {
    return Object.fromEntries(METRIC_COLUMNS.map((c) => [c, this.column(c)])) as MetricColumns;
  }

  /** Copies of the rows from `start` to the end, for sending. */
  slice(start = 0): MetricColumns {
    return Object.fromEntries(METRIC_COLUMNS.map((c) => [c, this.data[c].slice(start, this.size)])) as MetricColumns;
  }

  /** The rows from `start` to the end as messages carry them (FLOAT32_COLUMNS as Float32Array). */
  wire(start = 0): WireColumns {
    return Object.fromEntries(
      METRIC_COLUMNS.map((c) => [c, FLOAT32_COLUMNS.includes(c) ? Float32Array.from(this.data[c].subarray(start, this.size)) : this.data[c].slice(start, this.size)]),
    ) as WireColumns;
  }

  /** Last value of a column, or undefined when empty. */
  last(name: MetricColumn): number | undefined {
    return this.size > 0 ? this.data[name][this.size - 1] : undefined;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < rows) capacity *= 2;
    for (const c of METRIC_COLUMNS) {
      const grown = new Float64Array(capacity);
      grown.set(this.data[c].subarray(0, this.size));
      this.data[c] = grown;
    }
  }

  appendRecords(records: readonly MetricRecord[]): void {
    this.reserve(this.size + records.length);
    for (const r of records) {
      const i = this.size++;
      this.data.step[i] = r.step;
      this.data.time[i] = numberOrNaN(r.time);
      this.data.elapsedSec[i] = numberOrNaN(r.elapsedSec);
      this.data.lossD[i] = r.lossD;
      this.data.lossG[i] = r.lossG;
      this.data.dReal[i] = numberOrNaN(r.dReal);
      this.data.dFake[i] = numberOrNaN(r.dFake);
    }
  }

  appendColumns(columns: WireColumns): void {
    const n = columnsLength(columns);
    this.reserve(this.size + n);
    for (const c of METRIC_COLUMNS) this.data[c].set(columns[c], this.size);
    this.size += n;
  }

  clear(): void {
    this.size = 0;
  }
}

function numberOrNaN(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : NaN;
}
