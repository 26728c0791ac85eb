/**
 * Parallel coordinates of config keys against a chosen result column (pure layout): one vertical
 * axis per key, the result last; one polyline per run, coloured by its result. Numeric axes are
 * linear, or logarithmic when all values are positive and span more than a factor of 20 (learning
 * rates); other axes space their distinct values evenly.
 */
import type { RunRow } from '../../../src/protocol/runsTableProtocol';
import type { ColumnValue } from './filter';
import { cellValue, Column, formatCell } from './table';

export interface Axis {
  id: string;
  label: string;
  x: number;
  ticks: { y: number; label: string }[];
  log: boolean;
}

export interface Line {
  key: string;
  name: string;
  points: [number, number][];
  /** The result value scaled to 0..1 (0: lowest), or null when the run has none. */
  t: number | null;
}

export interface ParallelLayout {
  axes: Axis[];
  lines: Line[];
}

interface Scale {
  y(v: ColumnValue): number | null;
  ticks: { y: number; label: string }[];
  log: boolean;
}

function scaleFor(column: Column, values: ColumnValue[], top: number, bottom: number): Scale {
  const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length > 0 && numbers.length === values.filter((v) => v !== null && v !== undefined).length) {
    let min = Math.min(...numbers);
    let max = Math.max(...numbers);
    const log = min > 0 && max / min > 20;
    const f = (v: number) => (log ? Math.log10(v) : v);
    if (min === max) {
      min -= 1;
      max += 1;
    }
    const lo = f(min);
    const hi = f(max);
    const y = (v: ColumnValue) => (typeof v === 'number' && Number.isFinite(v) && (!log || v > 0) ? bottom - ((f(v) - lo) / (hi - lo || 1)) * (bottom - top) : null);
    const ticks = [min, (log ? 10 ** ((lo + hi) / 2) : (min + max) / 2), max].map((v) => ({ y: y(v)!, label: formatCell(column, v) }));
    return { y, ticks, log };
  }
  const distinct = [...new Set(values.map((v) => (v === null || v === undefined ? '–' : String(v))))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const step = distinct.length > 1 ? (bottom - top) / (distinct.length - 1) : 0;
  const pos = new Map(distinct.map((d, i) => [d, distinct.length > 1 ? bottom - i * step : (top + bottom) / 2]));
  return {
    y: (v) => pos.get(v === null || v === undefined ? '–' : String(v)) ?? null,
    ticks: distinct.map((d) => ({ y: pos.get(d)!, label: d })),
    log: false,
  };
}

export function parallelLayout(rows: readonly RunRow[], axes: readonly Column[], result: Column, size: { width: number; height: number; margin: number }): ParallelLayout {
  const all = [...axes.filter((a) => a.id !== result.id), result];
  const top = size.margin;
  const bottom = size.height - size.margin;
  const span = all.length > 1 ? (size.width - 2 * size.margin) / (all.length - 1) : 0;
  const scales = all.map((c) => scaleFor(c, rows.map((r) => cellValue(r, c.id)), top, bottom));
  const outAxes = all.map((c, i) => ({ id: c.id, label: c.label, x: size.margin + i * span, ticks: scales[i].ticks, log: scales[i].log }));
  const results = rows.map((r) => cellValue(r, result.id)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const rMin = Math.min(...results);
  const rMax = Math.max(...results);
  const lines = rows.map((row): Line => {
    const points: [number, number][] = [];
    all.forEach((c, i) => {
      const y = scales[i].y(cellValue(row, c.id));
      if (y !== null) points.push([outAxes[i].x, y]);
    });
    const v = cellValue(row, result.id);
    const t = typeof v === 'number' && Number.isFinite(v) ? (rMax > rMin ? (v - rMin) / (rMax - rMin) : 0.5) : null;
    return { key: row.key, name: row.name, points, t };
  });
  return { axes: outAxes, lines };
}
