/**
 * The dashboard's "Export CSV": every record of metrics.jsonl of the shown runs, one row each, at
 * full precision (what the trainer wrote, not the smoothed or decimated lines). Pure.
 */
import type { MetricRecord } from '../../protocol/runFormat';

export interface CsvRun {
  id: string;
  name: string;
  records: readonly MetricRecord[];
}

export const CSV_HEADER = [
  'run_id',
  'run_name',
  'step',
  'epoch',
  'batch',
  'wall_time',
  'elapsed_sec',
  'loss_d',
  'loss_g',
  'd_real',
  'd_fake',
  'd_fake_after',
  'images_per_sec',
] as const;

/** RFC 4180: quote a field that holds a comma, a quote or a line break; double inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function num(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

function isoTime(ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

export function metricsCsv(runs: readonly CsvRun[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const run of runs) {
    const id = csvField(run.id);
    const name = csvField(run.name);
    for (const r of run.records) {
      lines.push(
        [id, name, num(r.step), num(r.epoch), num(r.batch), isoTime(r.time), num(r.elapsedSec), num(r.lossD), num(r.lossG), num(r.dReal), num(r.dFake), num(r.dFakeAfter), num(r.imagesPerSec)].join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
