/**
 * Run folders for the dashboard's tests and benchmark, written in the run format
 * (docs/run-format.md): a manifest, GAN-like metric records (losses that spike, D's outputs
 * drifting towards 0.5) and, when asked, sample grids. Shared by the unit tests, the UI test and
 * bench/dashboard.ts. Plain Node, no test framework.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../../src/common/atomicFile';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { makeRunId, METRICS_FILE, MetricRecord, REAL_GRID_FILE, RUN_MANIFEST, RunManifest, RunStatus, sampleFileName, SampleEntry } from '../../../src/protocol/runFormat';
import { makeGrid } from '../../../src/trainer/image/grid';
import { encodeGrayPng } from '../../../src/trainer/image/png';

/** A small deterministic random generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A noisy, slowly varying series with rare spikes (the shape of GAN losses), for decimation. */
export function spikySeries(n: number, seed: number): Float64Array {
  const rnd = random(seed);
  return Float64Array.from({ length: n }, (_, i) => Math.sin(i / 500) + rnd() - 0.5 + (rnd() < 0.001 ? 5 : 0));
}

export interface RecordOptions {
  /** Steps between records (the trainer's logEvery, roughly). */
  every?: number;
  stepsPerEpoch?: number;
  batchSize?: number;
  startTime?: number;
  seed?: number;
}

/** `count` records from step `from` (in units of `every`), looking like a DCGAN's log. */
export function syntheticRecords(count: number, from = 0, options: RecordOptions = {}): MetricRecord[] {
  const every = options.every ?? 1;
  const spe = options.stepsPerEpoch ?? 469;
  const batch = options.batchSize ?? 128;
  const rnd = random((options.seed ?? 7) + from);
  const start = options.startTime ?? Date.UTC(2026, 10, 26, 12, 0, 0);
  const out: MetricRecord[] = [];
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const step = i * every;
    const t = step / (spe * 20);
    const spike = rnd() < 0.01 ? 1.5 + 2 * rnd() : 0;
    const lossD = Math.max(1e-3, 0.45 + 0.4 * Math.exp(-3 * t) + 0.25 * (rnd() - 0.5) + spike);
    const lossG = Math.max(1e-3, 1.8 + 1.5 * Math.exp(-8 * t) + 0.8 * (rnd() - 0.5) - spike / 2);
    const dReal = Math.min(0.999, Math.max(0.001, 0.72 - 0.1 * t + 0.12 * (rnd() - 0.5)));
    const dFake = Math.min(0.999, Math.max(0.001, 0.28 + 0.1 * t + 0.12 * (rnd() - 0.5)));
    out.push({
      step,
      // Steps count iterations completed (src/protocol/steps.ts); the record names its iteration.
      iteration: step - 1,
      epoch: Math.floor(step / spe),
      batch: step % spe,
      lossD,
      lossG,
      dReal,
      dFake,
      dFakeAfter: dFake * 0.9,
      imagesPerSec: 900 + 50 * rnd(),
      elapsedSec: (step * batch) / 900,
      time: start + ((step * batch) / 900) * 1000,
    });
  }
  return out;
}

export function recordLines(records: readonly MetricRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

export interface FixtureRun {
  dir: string;
  manifest: RunManifest;
}

export interface RunOptions {
  name?: string;
  status?: RunStatus;
  records?: MetricRecord[];
  /** Steps with a sample grid. */
  sampleSteps?: number[];
  /** Write PNGs for the grids (and the real grid); otherwise only the manifest lists them. */
  writeGrids?: boolean;
  totalSteps?: number;
  stepsPerEpoch?: number;
  /** The trainer's pid: this process keeps a "running" run live. */
  pid?: number | null;
  checkpoints?: number[];
}

/** A 64-image grid (274x274) that changes with the step: noise that slowly becomes blobs. */
export function syntheticGridPng(step: number, seed = 1): Buffer {
  const rnd = random(seed * 1000 + step);
  const size = 32;
  const images = new Float32Array(64 * size * size);
  const clarity = Math.min(1, step / 4000);
  for (let n = 0; n < 64; n++) {
    const cx = 10 + (n % 12);
    const cy = 10 + ((n * 5) % 12);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const shape = Math.hypot(x - cx, y - cy) < 9 ? 1 : -1;
        images[n * size * size + y * size + x] = clarity * shape + (1 - clarity) * (rnd() * 2 - 1);
      }
    }
  }
  const grid = makeGrid(images, size);
  return encodeGrayPng(grid.width, grid.height, grid.pixels, { Step: String(step) });
}

export function tempRunsRoot(prefix = 'gan-studio-dashboard-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a run folder under `root`. */
export function writeRun(root: string, options: RunOptions = {}): FixtureRun {
  const config = { ...presetConfig('smoke'), name: options.name ?? 'fixture' };
  const records = options.records ?? syntheticRecords(10, 0, { every: 2, stepsPerEpoch: 4, batchSize: 16 });
  const last = records[records.length - 1];
  const spe = options.stepsPerEpoch ?? 4;
  const total = options.totalSteps ?? (last ? last.step + 1 : 8);
  const step = last ? last.step + 1 : 0;
  const created = new Date(Date.UTC(2026, 10, 26, 12, 0, 0) + Math.floor(Math.random() * 1e6));
  const id = makeRunId(created, config.name);
  const dir = path.join(root, id);
  fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
  const samples: SampleEntry[] = (options.sampleSteps ?? []).map((s) => ({ step: s, epoch: Math.floor(s / spe), file: sampleFileName(s), time: new Date(created.getTime() + s * 1000).toISOString() }));
  if (options.writeGrids) {
    for (const s of samples) writeFileAtomic(path.join(dir, s.file), syntheticGridPng(s.step));
    writeFileAtomic(path.join(dir, REAL_GRID_FILE), syntheticGridPng(1e6, 99));
  }
  const status = options.status ?? 'completed';
  const manifest: RunManifest = {
    formatVersion: 1,
    id,
    name: config.name,
    status,
    config,
    backend: { name: 'wasm', detail: 'tfjs-backend-wasm (fixture)', skipped: [] },
    versions: {},
    pid: status === 'running' ? (options.pid === undefined ? process.pid : options.pid) : null,
    hostname: os.hostname(),
    createdAt: created.toISOString(),
    startedAt: created.toISOString(),
    updatedAt: created.toISOString(),
    endedAt: status === 'running' ? null : created.toISOString(),
    progress: { step, epoch: Math.floor(step / spe), totalSteps: total, stepsPerEpoch: spe, imagesPerSec: 900, etaSec: status === 'running' ? 60 : null, elapsedSec: last?.elapsedSec ?? 0 },
    lastMetrics: last ? { step: last.step, lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake } : null,
    samples,
    checkpoints: (options.checkpoints ?? (status === 'running' ? [] : [step])).map((s) => ({ id: `step-${String(s).padStart(6, '0')}`, step: s, epoch: Math.floor(s / spe), reason: 'epoch' as const, time: created.toISOString() })),
    parent: null,
    error: status === 'failed' ? { message: 'The trainer ran out of memory.', hint: 'Use a smaller batch size.' } : null,
    stepCount: 'completed',
  };
  writeJsonAtomic(path.join(dir, RUN_MANIFEST), manifest);
  fs.writeFileSync(path.join(dir, METRICS_FILE), recordLines(records));
  return { dir, manifest };
}

/** Rewrites a run's manifest with some fields changed. */
export function updateManifest(run: FixtureRun, change: Partial<RunManifest>): void {
  run.manifest = { ...run.manifest, ...change };
  writeJsonAtomic(path.join(run.dir, RUN_MANIFEST), run.manifest);
}

export function appendRecords(run: FixtureRun, records: readonly MetricRecord[]): void {
  fs.appendFileSync(path.join(run.dir, METRICS_FILE), recordLines(records));
}
