/**
 * Writes a run folder (docs/run-format.md). The manifest lives in memory and is rewritten
 * atomically on every change; metrics are appended one line per record.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendLine, makeDir, removeStaleTemps, writeFileAtomic, writeJsonAtomic } from '../common/atomicFile';
import { RunLock } from '../common/runLock';
import { readMetrics } from '../common/runReader';
import { STEP_COUNT_COMPLETED } from '../protocol/steps';
import type { ExperimentConfig } from '../protocol/experimentConfig';
import {
  CHECKPOINTS_DIR,
  CheckpointEntry,
  LOG_FILE,
  makeRunId,
  METRICS_FILE,
  MetricRecord,
  Progress,
  REAL_GRID_FILE,
  RUN_FORMAT_VERSION,
  RUN_MANIFEST,
  RunError,
  RunManifest,
  RunStatus,
  RunWarning,
  SAMPLES_DIR,
  SampleEntry,
  sampleFileName,
} from '../protocol/runFormat';
import type { Grid } from './image/grid';
import { encodePng } from './image/png';

export class RunWriter {
  private constructor(
    readonly dir: string,
    readonly manifest: RunManifest,
    private readonly lock: RunLock,
  ) {}

  /** Creates a new run folder under `runsRoot`. */
  static create(runsRoot: string, config: ExperimentConfig, versions: Record<string, string>, progress: Progress, parent: RunManifest['parent'] = null, sweep?: RunManifest['sweep']): RunWriter {
    const now = new Date();
    let id = makeRunId(now, config.name);
    while (fs.existsSync(path.join(runsRoot, id))) id = makeRunId(now, config.name);
    const dir = path.join(runsRoot, id);
    makeDir(path.join(dir, SAMPLES_DIR));
    makeDir(path.join(dir, CHECKPOINTS_DIR));
    const lock = RunLock.acquire(dir);
    const iso = now.toISOString();
    const manifest: RunManifest = {
      formatVersion: RUN_FORMAT_VERSION,
      id,
      name: config.name,
      status: 'running',
      config,
      backend: null,
      versions,
      pid: process.pid,
      hostname: os.hostname(),
      createdAt: iso,
      startedAt: iso,
      updatedAt: iso,
      endedAt: null,
      progress,
      lastMetrics: null,
      samples: [],
      checkpoints: [],
      parent,
      error: null,
      stepCount: STEP_COUNT_COMPLETED,
      ...(sweep ? { sweep } : {}),
    };
    const writer = new RunWriter(dir, manifest, lock);
    try {
      writer.save();
    } catch (error) {
      lock.release();
      throw error;
    }
    return writer;
  }

  /** Opens an existing run to continue it from `fromStep`: later metrics and samples are dropped (they will be recomputed exactly). */
  static reopen(dir: string, manifest: RunManifest, fromStep: number, config: ExperimentConfig, versions: Record<string, string>, lock: RunLock): RunWriter {
    // Temporary files of writes that a kill interrupted are of no use to anyone.
    for (const sub of ['', SAMPLES_DIR, CHECKPOINTS_DIR]) removeStaleTemps(path.join(dir, sub));
    const writer = new RunWriter(dir, {
      ...manifest,
      config,
      name: config.name,
      status: 'running',
      versions,
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      endedAt: null,
      error: null,
      // Grids up to the checkpoint's step show states the resumed run has already passed.
      samples: manifest.samples.filter((s) => s.step <= fromStep),
      stepCount: STEP_COUNT_COMPLETED,
    }, lock);
    writer.truncateMetrics(fromStep);
    writer.save();
    return writer;
  }

  private truncateMetrics(fromStep: number): void {
    const { records } = readMetrics(this.dir);
    const kept = records.filter((r) => r.step <= fromStep);
    writeFileAtomic(path.join(this.dir, METRICS_FILE), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const last = kept[kept.length - 1];
    this.manifest.lastMetrics = last ? { step: last.step, lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake } : null;
  }

  save(): void {
    this.manifest.updatedAt = new Date().toISOString();
    writeJsonAtomic(path.join(this.dir, RUN_MANIFEST), this.manifest);
  }

  update(change: Partial<RunManifest>): void {
    Object.assign(this.manifest, change);
    this.save();
  }

  /** Appends a metrics line; run.json is rewritten only when `saveManifest` (losses are recorded every step). */
  appendMetric(record: MetricRecord, progress: Progress, saveManifest = true): void {
    appendLine(path.join(this.dir, METRICS_FILE), JSON.stringify(record));
    Object.assign(this.manifest, {
      progress,
      lastMetrics: { step: record.step, lossD: record.lossD, lossG: record.lossG, dReal: record.dReal, dFake: record.dFake },
    });
    if (saveManifest) this.save();
  }

  private writeGrid(file: string, grid: Grid, text: Record<string, string>): void {
    writeFileAtomic(path.join(this.dir, file), encodePng(grid.width, grid.height, grid.pixels, grid.channels ?? 1, { Software: 'GAN Studio', ...text }));
  }

  writeRealGrid(grid: Grid): void {
    this.writeGrid(REAL_GRID_FILE, grid, { Title: 'Training images' });
  }

  writeSample(step: number, epoch: number, grid: Grid): SampleEntry {
    const entry: SampleEntry = { step, epoch, file: sampleFileName(step), time: new Date().toISOString() };
    this.writeGrid(entry.file, grid, { Title: `G(fixed noise) after ${step} iterations`, Step: String(step), Epoch: String(epoch), Run: this.manifest.id });
    this.update({ samples: [...this.manifest.samples.filter((s) => s.step !== step), entry] });
    return entry;
  }

  addCheckpoint(entry: CheckpointEntry, progress: Progress): void {
    this.update({ progress, checkpoints: [...this.manifest.checkpoints.filter((c) => c.id !== entry.id), entry].sort((a, b) => a.step - b.step) });
  }

  /** Records a warning (e.g. a saturated run) in run.json once per kind. */
  warn(warning: RunWarning): void {
    const warnings = this.manifest.warnings ?? [];
    if (warnings.some((w) => w.kind === warning.kind)) return;
    this.update({ warnings: [...warnings, warning] });
  }

  /** Gives the run folder up for other trainers (after finish, or when the start failed). */
  release(): void {
    this.lock.release();
  }

  finish(status: Exclude<RunStatus, 'running'>, progress: Progress, error: RunError | null = null): void {
    this.update({ status, progress, error, pid: null, endedAt: new Date().toISOString() });
  }

  log(line: string): void {
    try {
      appendLine(path.join(this.dir, LOG_FILE), line);
    } catch {
      // The log is a convenience; failing to write it must not stop training.
    }
  }
}
