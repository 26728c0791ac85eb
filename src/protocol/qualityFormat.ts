/**
 * Sample-quality results in a run folder (docs/run-format.md, "Quality"): one line per evaluation
 * in quality.jsonl, and a small summary in quality.json (best FID, latest coverage, the alarm) that
 * the Runs tree, the comparison table and reports read without parsing the whole history. Pure.
 *
 * The FID here is computed on the features of GAN Studio's own FashionMNIST classifier
 * ("FID-FMNIST"); it is NOT comparable with the Inception-FID figures of papers.
 */

export const QUALITY_FILE = 'quality.jsonl';
export const QUALITY_SUMMARY_FILE = 'quality.json';

export interface ClassCoverageRecord {
  /** Share of each class among the evaluator's predictions (sums to 1). */
  histogram: number[];
  /** Entropy of the histogram / log(classes): 1 uniform, 0 a single class. */
  entropy: number;
  minShare: number;
  maxShare: number;
  /** Mean of the evaluator's top softmax probability. */
  meanConfidence: number;
}

/** One evaluation: a line of quality.jsonl. */
export interface QualityRecord {
  /** Global iteration after which the generator was evaluated (as in sample grids); for a checkpoint, its step. */
  step: number;
  epoch: number;
  /** "training" (on the run's schedule) or "checkpoint" (Evaluate Checkpoint / gan-studio-eval). */
  source: 'training' | 'checkpoint';
  /** Checkpoint id when source is "checkpoint". */
  checkpoint?: string;
  /** Evaluator version, e.g. "fmnist-v1"; figures of different versions are not comparable. */
  evaluator: string;
  /** Number of generated images (FID depends on it: compare equal N only). */
  samples: number;
  fid: number;
  kid: number;
  kidStd: number;
  precision: number;
  recall: number;
  coverage: ClassCoverageRecord;
  /** Mode-collapse alarm and its reasons (empty when quiet). */
  alarm: boolean;
  alarmReasons: string[];
  /** Seconds the evaluation took (generation, features, metrics). */
  seconds: number;
  /** Unix time in milliseconds. */
  time: number;
}

/** quality.json: what a table or a tree needs at a glance. */
export interface QualitySummary {
  evaluator: string;
  /** The label to show for FID, e.g. "FID-FMNIST". */
  fidLabel: string;
  classNames: string[];
  evaluations: number;
  best: { fid: number; step: number } | null;
  latest: QualityRecord | null;
  /** The latest alarm raised during training, or null. */
  alarm: { step: number; reasons: string[] } | null;
  /** Seconds spent evaluating during training, and training itself, summed over sessions. */
  evaluationSec: number;
  trainingSec: number;
}

/** The flag run.json carries (status of the run's quality at a glance). */
export interface QualityFlag {
  bestFid: number | null;
  bestFidStep: number | null;
  alarm: boolean;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parses quality.jsonl; a torn last line is skipped, other bad lines are reported. */
export function parseQualityLines(text: string): { records: QualityRecord[]; badLines: number[] } {
  const records: QualityRecord[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const rec = JSON.parse(line) as QualityRecord;
      if (isNumber(rec.step) && isNumber(rec.fid) && rec.coverage && Array.isArray(rec.coverage.histogram)) records.push(rec);
      else badLines.push(index + 1);
    } catch {
      if (index !== lines.length - 1) badLines.push(index + 1);
    }
  });
  return { records, badLines };
}

/** The summary of a run's evaluations (training ones decide the alarm; all count for the best FID). */
export function summarizeQuality(records: readonly QualityRecord[], meta: { evaluator: string; fidLabel: string; classNames: string[]; trainingSec: number }): QualitySummary {
  let best: QualitySummary['best'] = null;
  let alarm: QualitySummary['alarm'] = null;
  let evaluationSec = 0;
  for (const r of records) {
    if (!best || r.fid < best.fid) best = { fid: r.fid, step: r.step };
    if (r.source === 'training') {
      evaluationSec += r.seconds;
      if (r.alarm) alarm = { step: r.step, reasons: r.alarmReasons };
    }
  }
  const latest = records.length > 0 ? [...records].sort((a, b) => a.step - b.step || a.time - b.time)[records.length - 1] : null;
  return { ...meta, evaluations: records.length, best, latest, alarm, evaluationSec, trainingSec: meta.trainingSec };
}

export function qualityFlag(summary: QualitySummary): QualityFlag {
  return { bestFid: summary.best?.fid ?? null, bestFidStep: summary.best?.step ?? null, alarm: summary.alarm !== null };
}
