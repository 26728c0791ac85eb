/**
 * One run in the webview: what the host sent (info, metric columns, grids) plus derived columns
 * that are extended incrementally as records arrive (the x values of each axis mode and the
 * smoothed series), so a live update costs time in proportion to the new records. Pure (no DOM).
 */
import type { MetricColumn, MetricColumns, RunDelta, RunInfo, RunSnapshot, SampleRef, XAxisMode } from '../../../src/protocol/dashboardProtocol';
import type { QualityRecord } from '../../../src/protocol/qualityFormat';
import { MetricTable } from '../../../src/protocol/metricTable';
import { emaSmooth, emaStart, EmaState } from './ema';
import { fillX, stepToX, xToStep } from './xAxis';

interface Derived {
  values: Float64Array;
  /** Rows computed so far. */
  length: number;
}

interface Smoothed extends Derived {
  weight: number;
  state: EmaState;
}

export class RunData {
  readonly table = new MetricTable();
  info: RunInfo;
  samples: SampleRef[];
  realGrid: string | null;
  /** Sample-quality evaluations, oldest first. */
  quality: QualityRecord[];
  /** Bumped whenever the metric rows change (append or replace). */
  version = 0;
  /** Bumped when the rows are replaced (rows already seen may have changed). */
  generation = 0;
  private xCache = new Map<XAxisMode, Derived>();
  private smoothCache = new Map<MetricColumn, Smoothed>();

  constructor(snapshot: RunSnapshot) {
    this.info = snapshot.info;
    this.samples = snapshot.samples;
    this.realGrid = snapshot.realGrid;
    this.quality = snapshot.quality ?? [];
    this.table.appendColumns(snapshot.metrics);
  }

  get key(): string {
    return this.info.key;
  }

  get length(): number {
    return this.table.length;
  }

  get stepsPerEpoch(): number {
    return Math.max(1, this.info.progress.stepsPerEpoch);
  }

  /** Applies an update; says whether the metric rows changed. */
  apply(delta: RunDelta): boolean {
    if (delta.info) this.info = delta.info;
    if (delta.samples) this.samples = delta.samples;
    if (delta.realGrid !== undefined) this.realGrid = delta.realGrid;
    if (delta.quality) this.quality = delta.quality;
    if (delta.replace) {
      this.table.clear();
      this.table.appendColumns(delta.replace);
      this.xCache.clear();
      this.smoothCache.clear();
      this.version++;
      this.generation++;
      return true;
    }
    if (delta.append && delta.append.step.length > 0) {
      this.table.appendColumns(delta.append);
      this.version++;
      return true;
    }
    return false;
  }

  column(name: MetricColumn): Float64Array {
    return this.table.column(name);
  }

  columns(): MetricColumns {
    return this.table.columns();
  }

  /** The x value of every row on the given axis. */
  x(mode: XAxisMode): Float64Array {
    const n = this.table.length;
    let d = this.xCache.get(mode);
    if (!d || d.values.length < n) {
      const values = new Float64Array(Math.max(16, n * 2));
      if (d) values.set(d.values.subarray(0, d.length));
      d = { values, length: d?.length ?? 0 };
      this.xCache.set(mode, d);
    }
    if (d.length < n) {
      fillX(mode, this.columns(), this.stepsPerEpoch, d.values, d.length, n);
      d.length = n;
    }
    return d.values.subarray(0, n);
  }

  /** The column smoothed with `weight` (TensorBoard's debiased EMA); the raw column for weight 0. */
  smoothed(name: MetricColumn, weight: number): Float64Array {
    const raw = this.column(name);
    if (weight <= 0) return raw;
    const n = raw.length;
    let s = this.smoothCache.get(name);
    if (!s || s.weight !== weight) s = { values: new Float64Array(Math.max(16, n * 2)), length: 0, weight, state: emaStart() };
    if (s.values.length < n) {
      const grown = new Float64Array(n * 2);
      grown.set(s.values.subarray(0, s.length));
      s.values = grown;
    }
    if (s.length < n) {
      s.state = emaSmooth(raw, weight, s.values, s.length, s.state);
      s.length = n;
    }
    this.smoothCache.set(name, s);
    return s.values.subarray(0, n);
  }

  /** Where `step` lies on the x axis. */
  stepToX(mode: XAxisMode, step: number): number | undefined {
    if (mode === 'step') return step;
    if (mode === 'epoch') return step / this.stepsPerEpoch;
    return stepToX(this.column('step'), this.x(mode), this.length, step);
  }

  /** The step of the record nearest to x on the axis. */
  xToStep(mode: XAxisMode, x: number): number | undefined {
    if (mode === 'step') return Math.round(x);
    if (mode === 'epoch') return Math.round(x * this.stepsPerEpoch);
    return xToStep(this.column('step'), this.x(mode), this.length, x);
  }

  /** The grid shown for a step: the last one saved at or before it (the first one if none is). */
  sampleAt(step: number | null): SampleRef | undefined {
    if (this.samples.length === 0) return undefined;
    if (step === null) return this.samples[this.samples.length - 1];
    let found = this.samples[0];
    for (const s of this.samples) {
      if (s.step <= step) found = s;
      else break;
    }
    return found;
  }

  /** Index of the grid nearest to a step. */
  nearestSampleIndex(step: number): number {
    let best = -1;
    let bestDistance = Infinity;
    this.samples.forEach((s, i) => {
      const d = Math.abs(s.step - step);
      if (d < bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    return best;
  }
}
