/**
 * Quality evaluations as the dashboard draws them: one x axis (steps) shared by the shown run and
 * the compared ones, a column per run for each metric, and the coverage strip's cells. Pure.
 */
import type { QualityRecord } from '../../../src/protocol/qualityFormat';

export type QualityMetric = 'fid' | 'kid' | 'precision' | 'recall';

/** A run's evaluations by step, oldest first; of two at one step (schedule and checkpoint) the later one. */
export function byStep(records: readonly QualityRecord[]): QualityRecord[] {
  const map = new Map<number, QualityRecord>();
  for (const r of [...records].sort((a, b) => a.time - b.time)) map.set(r.step, r);
  return [...map.values()].sort((a, b) => a.step - b.step);
}

export interface AlignedQuality {
  x: number[];
  /** Per run, per metric: values on `x`, null where that run has no evaluation. */
  runs: Record<QualityMetric, (number | null)[]>[];
  /** Per run: true at steps whose evaluation raised the mode-collapse alarm. */
  alarms: boolean[][];
}

export function alignQuality(runs: readonly (readonly QualityRecord[])[]): AlignedQuality {
  const perRun = runs.map(byStep);
  const x = [...new Set(perRun.flatMap((rs) => rs.map((r) => r.step)))].sort((a, b) => a - b);
  const index = new Map(x.map((s, i) => [s, i]));
  const empty = () => x.map((): number | null => null);
  const out: AlignedQuality = { x, runs: [], alarms: [] };
  for (const rs of perRun) {
    const cols: Record<QualityMetric, (number | null)[]> = { fid: empty(), kid: empty(), precision: empty(), recall: empty() };
    const alarms = x.map(() => false);
    for (const r of rs) {
      const i = index.get(r.step)!;
      cols.fid[i] = r.fid;
      cols.kid[i] = r.kid;
      cols.precision[i] = r.precision;
      cols.recall[i] = r.recall;
      alarms[i] = r.alarm;
    }
    out.runs.push(cols);
    out.alarms.push(alarms);
  }
  return out;
}

/** The latest evaluation and the best FID of a run, for the card's header. */
export function qualityHeadline(records: readonly QualityRecord[]): { latest: QualityRecord; best: QualityRecord } | undefined {
  const rs = byStep(records);
  if (rs.length === 0) return undefined;
  const best = rs.reduce((a, b) => (b.fid < a.fid ? b : a));
  return { latest: rs[rs.length - 1], best };
}

/** Opacity of a coverage cell: a class share of 2/classes or more is full, 0 is empty. */
export function cellAlpha(share: number, classes: number): number {
  return Math.max(0, Math.min(1, (share * classes) / 2));
}
