/**
 * What the grid inspector shows, computed from run folders: where a grid file belongs (its run,
 * generated or real, its step), a run's grids in step order, the runs to compare with. Plain Node
 * (no vscode import), unit-tested.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IMAGE_SIZE } from '../../protocol/experimentConfig';
import type { InspectorRun, RunChoice } from '../../protocol/inspectorProtocol';
import { GRID_SUFFIX, REAL_GRID_FILE, RUN_MANIFEST, SAMPLES_DIR, stepOfSampleFile } from '../../protocol/runFormat';
import { epochsAt } from '../../protocol/steps';
import { displayStatus } from '../runs/runTreeModel';
import type { RunSummary } from '../runs/runStore';

export interface GridLocation {
  file: string;
  /** The run folder holding the grid, or null when the file is not in a run's samples/ folder. */
  runDir: string | null;
  kind: 'generated' | 'real' | 'other';
  /** From the file name (step-000500.grid.png). */
  step: number | null;
}

/** Where a `.grid.png` file belongs: `<run>/samples/step-NNNNNN.grid.png` or `<run>/samples/real.grid.png`. */
export function locateGrid(file: string, exists: (p: string) => boolean = fs.existsSync): GridLocation {
  const samples = path.dirname(file);
  const candidate = path.dirname(samples);
  const inRun = path.basename(samples) === SAMPLES_DIR && exists(path.join(candidate, RUN_MANIFEST));
  const step = stepOfSampleFile(file) ?? null;
  const kind = path.basename(file) === path.basename(REAL_GRID_FILE) ? 'real' : step !== null ? 'generated' : 'other';
  return { file, runDir: inRun ? candidate : null, kind: inRun ? kind : kind === 'real' ? 'other' : kind, step };
}

export function isGridFile(file: string): boolean {
  return file.endsWith(GRID_SUFFIX);
}

/**
 * A run's grids for the webview. `src` turns a file into the URI the webview loads (and changes
 * when the file changes, so a rewritten grid is not served from the cache).
 */
export function inspectorRun(run: RunSummary, src: (file: string) => string): InspectorRun | null {
  const m = run.manifest;
  if (!m) return null;
  const grids = [...m.samples]
    .sort((a, b) => a.step - b.step)
    .filter((s) => fs.existsSync(path.join(run.dir, s.file)))
    .map((s) => ({ step: s.step, epoch: epochsAt(s.step, m.progress.stepsPerEpoch), file: s.file, src: src(path.join(run.dir, s.file)) }));
  const realFile = path.join(run.dir, REAL_GRID_FILE);
  return {
    dir: run.dir,
    id: m.id,
    name: m.name,
    status: displayStatus(run),
    sampleCount: m.config.sampleCount,
    // External runs say their image size and real-grid size; GAN Studio's own runs are 32x32 and 64 real images.
    imageSize: m.external?.imageSize ?? m.config.imageSize ?? IMAGE_SIZE,
    realCount: m.external?.realCount ?? m.config.sampleCount,
    grids,
    real: fs.existsSync(realFile) ? { file: REAL_GRID_FILE, src: src(realFile) } : null,
    ...(m.gridRows ? { gridRows: [...m.gridRows] } : {}),
  };
}

/** Runs with generated grids to compare against, newest first, without `exceptDir`. */
export function runChoices(runs: RunSummary[], exceptDir: string | null): RunChoice[] {
  return runs
    .filter((r) => r.dir !== exceptDir && r.manifest && r.manifest.samples.length > 0)
    .map((r) => {
      const m = r.manifest!;
      const last = m.samples[m.samples.length - 1];
      return { key: r.dir, id: m.id, name: m.name, status: displayStatus(r), steps: last.step, description: `${m.samples.length} grids up to step ${last.step} · ${m.id}` };
    });
}
