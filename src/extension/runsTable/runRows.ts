/**
 * Run summaries as runs-table rows (pure, no vscode import): status as the Runs tree says it,
 * the config, tags and note, and the result figures of RESULT_COLUMNS.
 */
import { readQualitySummary } from '../../common/qualityFiles';
import type { CellValue, RunRow } from '../../protocol/runsTableProtocol';
import type { RunManifest } from '../../protocol/runFormat';
import { displayStatus } from '../runs/runTreeModel';
import type { RunSummary } from '../runs/runStore';

/** The latest evaluation of an evaluated run (run.json's `quality` flag says whether there is one). */
const latestQuality = (m: RunManifest, dir: string) => (m.quality ? readQualitySummary(dir)?.latest ?? null : null);

/** How each result column is read from a run. Add a figure here and in RESULT_COLUMNS. */
export const RESULT_READERS: Record<string, (m: RunManifest, dir: string) => number | null> = {
  lossD: (m) => m.lastMetrics?.lossD ?? null,
  lossG: (m) => m.lastMetrics?.lossG ?? null,
  dReal: (m) => m.lastMetrics?.dReal ?? null,
  dFake: (m) => m.lastMetrics?.dFake ?? null,
  bestFid: (m) => m.quality?.bestFid ?? null,
  coverage: (m, dir) => latestQuality(m, dir)?.coverage.entropy ?? null,
  recall: (m, dir) => latestQuality(m, dir)?.recall ?? null,
};

export function runRow(run: RunSummary, live?: { paused: boolean }): RunRow {
  const m = run.manifest;
  const status = displayStatus(run, live);
  if (!m) {
    return { key: run.dir, id: run.id, name: run.id, status, tags: run.notes?.tags ?? [], note: run.notes?.note ?? '', config: {}, results: {}, steps: 0, totalSteps: 0, stepsPerEpoch: 1, durationSec: 0, backend: null, createdAt: run.sortKey };
  }
  const results: Record<string, number | null> = {};
  for (const [id, read] of Object.entries(RESULT_READERS)) results[id] = read(m, run.dir);
  return {
    key: run.dir,
    id: m.id,
    name: m.name,
    status,
    tags: run.notes?.tags ?? [],
    note: run.notes?.note ?? '',
    config: { ...(m.config as unknown as Record<string, CellValue>) },
    results,
    steps: m.progress.step,
    totalSteps: m.progress.totalSteps,
    stepsPerEpoch: m.progress.stepsPerEpoch,
    durationSec: m.progress.elapsedSec,
    backend: m.backend?.name ?? null,
    createdAt: m.createdAt,
  };
}
