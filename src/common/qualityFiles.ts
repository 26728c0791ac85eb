/**
 * Reading and writing a run's quality files (quality.jsonl, quality.json; docs/run-format.md).
 * Shared by the trainer (writes), gan-studio-eval (writes) and the extension host (reads).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendLine, writeFileAtomic, writeJsonAtomic } from './atomicFile';
import { parseQualityLines, QUALITY_FILE, QUALITY_SUMMARY_FILE, QualityRecord, QualitySummary, summarizeQuality } from '../protocol/qualityFormat';

export function readQuality(runDir: string): { records: QualityRecord[]; badLines: number[] } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, QUALITY_FILE), 'utf8');
  } catch {
    return { records: [], badLines: [] };
  }
  return parseQualityLines(text);
}

/** quality.json of a run, or undefined when it has none (never evaluated) or it is unreadable. */
export function readQualitySummary(runDir: string): QualitySummary | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path.join(runDir, QUALITY_SUMMARY_FILE), 'utf8')) as QualitySummary;
    return typeof value === 'object' && value !== null && typeof value.evaluations === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface SummaryMeta {
  evaluator: string;
  fidLabel: string;
  classNames: string[];
  trainingSec: number;
}

/** Appends one record and rewrites the summary; returns the new summary. */
export function appendQuality(runDir: string, record: QualityRecord, meta: SummaryMeta): QualitySummary {
  appendLine(path.join(runDir, QUALITY_FILE), JSON.stringify(record));
  return writeQualitySummary(runDir, readQuality(runDir).records, meta);
}

export function writeQualitySummary(runDir: string, records: QualityRecord[], meta: SummaryMeta): QualitySummary {
  const summary = summarizeQuality(records, meta);
  writeJsonAtomic(path.join(runDir, QUALITY_SUMMARY_FILE), summary);
  return summary;
}

/** Keeps the training evaluations up to `fromStep` (a resume recomputes the later ones exactly) and every checkpoint evaluation. */
export function truncateQuality(runDir: string, fromStep: number): QualityRecord[] {
  const { records } = readQuality(runDir);
  if (records.length === 0) return [];
  const kept = records.filter((r) => r.source !== 'training' || r.step <= fromStep);
  writeFileAtomic(path.join(runDir, QUALITY_FILE), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept;
}
