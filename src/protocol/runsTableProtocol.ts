/**
 * Messages between the extension host and the runs table webview (one table of all runs: filter,
 * sort, tags, groups, parallel coordinates, export), declared once, parsed at run time and handled
 * with exhaustive switches. Pure: no vscode, DOM or Node imports.
 */
import { isOneOf, isRecord, isString, unknownType } from './guards';
import type { RunNotes } from './runNotes';

export const RUNS_TABLE_VIEW_TYPE = 'ganStudio.runsTable';
export const COMMAND_OPEN_RUNS_TABLE = 'ganStudio.openRunsTable';

/** A config value as the table shows and compares it. */
export type CellValue = string | number | boolean | null;

/**
 * Result columns: figures a run has recorded, read by the host (`src/extension/runsTable/runRows.ts`).
 * A new figure is one entry here and one reader there. The quality figures (issue "experiments that
 * measure themselves") are this table's: best FID-FMNIST, and the final class coverage and recall.
 */
export const RESULT_COLUMNS = [
  { id: 'lossD', label: 'loss D', better: 'lower' },
  { id: 'lossG', label: 'loss G', better: 'lower' },
  { id: 'dReal', label: 'D(x)', better: 'none' },
  { id: 'dFake', label: 'D(G(z))', better: 'none' },
  { id: 'bestFid', label: 'best FID-FMNIST', better: 'lower' },
  { id: 'coverage', label: 'coverage (final)', better: 'higher' },
  { id: 'recall', label: 'recall (final)', better: 'higher' },
] as const satisfies readonly { id: string; label: string; better: 'lower' | 'higher' | 'none' }[];
export type ResultId = (typeof RESULT_COLUMNS)[number]['id'];

/** One run as a table row. */
export interface RunRow {
  /** The run folder: names the run in every message. */
  key: string;
  id: string;
  name: string;
  /** running, paused, completed, stopped, failed, interrupted or damaged (as the Runs tree says). */
  status: string;
  tags: string[];
  note: string;
  /** The full experiment config (empty for a damaged run). */
  config: Record<string, CellValue>;
  /** Final figures by result column id; null when not recorded. */
  results: Partial<Record<string, number | null>>;
  steps: number;
  totalSteps: number;
  stepsPerEpoch: number;
  durationSec: number;
  backend: string | null;
  createdAt: string;
}

export type TableHostMessage =
  /** Every run (sent on ready and when runs change; a few hundred bytes a run). */
  | { type: 'rows'; rows: RunRow[] }
  /** An export finished: where it went, null when cancelled. */
  | { type: 'exported'; file: string | null };

export const TABLE_EXPORT_FORMATS = ['csv', 'markdown'] as const;
export type ExportFormat = (typeof TABLE_EXPORT_FORMATS)[number];

export type TableWebviewMessage =
  | { type: 'ready' }
  /** Open these runs in the dashboard's Compare: the first is the main run. */
  | { type: 'openCompare'; keys: string[] }
  | { type: 'openRun'; key: string }
  | { type: 'setNotes'; key: string; notes: Partial<RunNotes> }
  | { type: 'export'; format: ExportFormat; text: string };

/** Checks a message from the webview; undefined when it is not one the host knows. */
export function parseTableWebviewMessage(raw: unknown): TableWebviewMessage | undefined {
  if (!isRecord(raw) || !isString(raw.type)) return undefined;
  const m = raw as TableWebviewMessage;
  switch (m.type) {
    case 'ready':
      return m;
    case 'openCompare':
      return Array.isArray(m.keys) && m.keys.length > 0 && m.keys.every(isString) ? m : undefined;
    case 'openRun':
      return isString(m.key) ? m : undefined;
    case 'setNotes': {
      if (!isString(m.key) || !isRecord(m.notes)) return undefined;
      const { tags, note } = m.notes;
      if (tags !== undefined && !(Array.isArray(tags) && tags.every(isString))) return undefined;
      if (note !== undefined && !isString(note)) return undefined;
      return m;
    }
    case 'export':
      return isOneOf(TABLE_EXPORT_FORMATS, m.format) && isString(m.text) ? m : undefined;
    default:
      return unknownType(m);
  }
}
