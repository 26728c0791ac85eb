/**
 * uPlot draws series that share one x array. Runs log at different steps (or times), so their
 * chosen rows are merged into the sorted union of their x values; a run has no value (null, drawn
 * as a gap that is spanned) where only another run has a row. Pure.
 */

/** One run's rows to draw: sorted x values and the y columns at those rows. */
export interface RowsToDraw {
  x: ArrayLike<number>;
  ys: ArrayLike<number>[];
}

export type AlignedColumns = [number[], ...(number | null)[][]];

/** Turns NaN (and, on a log scale, values <= 0) into null, which uPlot draws as a gap. */
export function drawable(value: number, logScale: boolean): number | null {
  return Number.isFinite(value) && (!logScale || value > 0) ? value : null;
}

/** The union of the runs' x values, each run's y columns aligned to it. */
export function alignRuns(runs: readonly RowsToDraw[], logScale = false): AlignedColumns {
  const width = runs.reduce((n, r) => n + r.ys.length, 0);
  if (runs.length === 1) {
    const [run] = runs;
    const x = Array.from(run.x);
    return [x, ...run.ys.map((y) => Array.from(y, (v) => drawable(v, logScale)))];
  }
  const xs: number[] = [];
  const cols: (number | null)[][] = Array.from({ length: width }, () => []);
  const pos = runs.map(() => 0);
  for (;;) {
    let next = Infinity;
    for (let r = 0; r < runs.length; r++) if (pos[r] < runs[r].x.length && runs[r].x[pos[r]] < next) next = runs[r].x[pos[r]];
    if (next === Infinity) break;
    xs.push(next);
    let c = 0;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r];
      const here = pos[r] < run.x.length && run.x[pos[r]] === next;
      for (const y of run.ys) cols[c++].push(here ? drawable(y[pos[r]], logScale) : null);
      if (here) pos[r]++;
    }
  }
  return [xs, ...cols];
}
