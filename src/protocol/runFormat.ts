/**
 * The run folder format (docs/run-format.md): the contract between the trainer, which writes run
 * folders, and every reader (the CLI, the Runs tree, the dashboard, the inspector). Pure: types,
 * file names and validation, no I/O.
 */
import { ExperimentConfig, resolveConfig } from './experimentConfig';
import { STEP_COUNT_COMPLETED } from './steps';

export const RUN_FORMAT_VERSION = 1;

export const RUN_MANIFEST = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'trainer.log';
export const SAMPLES_DIR = 'samples';
export const CHECKPOINTS_DIR = 'checkpoints';
export const CHECKPOINT_MANIFEST = 'checkpoint.json';
export const CHECKPOINT_TENSORS = 'tensors.bin';
export const REAL_GRID_FILE = `${SAMPLES_DIR}/real.grid.png`;
/** Sample grids end in `.grid.png`, which is what the grid inspector opens by default. */
export const GRID_SUFFIX = '.grid.png';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed'];

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendReport {
  /** The backend that ran. */
  name: BackendName;
  /** What it is, e.g. "tfjs-backend-wasm 4.22.0 (SIMD, 1 thread) + onnxruntime convolutions". */
  detail: string;
  /** Faster backends that were not used, and why. */
  skipped: { name: BackendName; reason: string }[];
}

export interface RunError {
  /** What happened, in a sentence. */
  message: string;
  /** What the user can do about it. */
  hint?: string;
  /** Technical detail (stack trace, stderr tail). */
  detail?: string;
}

export interface Progress {
  /** Iterations completed so far (the next iteration's global index). */
  step: number;
  /** Epoch the next iteration belongs to (0-based). */
  epoch: number;
  totalSteps: number;
  stepsPerEpoch: number;
  /** Training throughput over the last log interval. */
  imagesPerSec: number | null;
  /** Estimated seconds until the run completes. */
  etaSec: number | null;
  /** Seconds spent training, summed over every session of the run. */
  elapsedSec: number;
}

export interface SampleEntry {
  /** Iterations completed when the grid was rendered (0: the untrained G). See src/protocol/steps.ts. */
  step: number;
  epoch: number;
  /** Path relative to the run folder. */
  file: string;
  time: string;
}

export type CheckpointReason = 'epoch' | 'request' | 'stop' | 'final';

export interface CheckpointEntry {
  /** Folder name under `checkpoints/`. */
  id: string;
  /** Iterations completed when the checkpoint was taken. */
  step: number;
  /** Epoch the next iteration belongs to. */
  epoch: number;
  reason: CheckpointReason;
  time: string;
}

export interface MetricsSummary {
  step: number;
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
}

export interface RunManifest {
  formatVersion: number;
  id: string;
  name: string;
  status: RunStatus;
  config: ExperimentConfig;
  backend: BackendReport | null;
  versions: Record<string, string>;
  /** Process id of the trainer while running; used to tell a live run from a killed one. */
  pid: number | null;
  hostname: string;
  createdAt: string;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
  progress: Progress;
  lastMetrics: MetricsSummary | null;
  samples: SampleEntry[];
  checkpoints: CheckpointEntry[];
  /** The run and checkpoint this run was branched from, when it was resumed from an older checkpoint. */
  parent: { runId: string; checkpoint: string; step: number } | null;
  error: RunError | null;
  /**
   * `"completed"`: `samples[].step` and `lastMetrics.step` count iterations completed. Runs written
   * before this field counted the 0-based iteration index; `parseRunManifest` converts them.
   */
  stepCount?: typeof STEP_COUNT_COMPLETED;
}

/** One line of metrics.jsonl. */
export interface MetricRecord {
  /** Iterations completed after the logged iteration (its `iteration` + 1). See src/protocol/steps.ts. */
  step: number;
  /** 0-based index of the logged iteration (the seed's `iter_`). Absent in records of older runs. */
  iteration?: number;
  epoch: number;
  /** Batch index within the epoch (the seed's `i`). */
  batch: number;
  lossD: number;
  lossG: number;
  /** Mean D(x) on the real batch. */
  dReal: number;
  /** Mean D(G(z)) before the D update. */
  dFake: number;
  /** Mean D(G(z)) after the D update (in the G step). */
  dFakeAfter: number;
  /** Training throughput since the previous record. */
  imagesPerSec: number;
  /** Seconds of training in the run so far (across resumed sessions). */
  elapsedSec: number;
  /** Unix time in milliseconds. */
  time: number;
}

export interface CheckpointTensor {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Offset and length in bytes in tensors.bin. */
  offset: number;
  length: number;
}

export interface CheckpointManifest {
  formatVersion: number;
  runId: string;
  id: string;
  step: number;
  epoch: number;
  reason: CheckpointReason;
  time: string;
  config: ExperimentConfig;
  /** Size of the training set the run used (to rebuild the batch order). */
  datasetSize: number;
  /** State of the noise generator (opaque to readers). */
  rng: number[];
  /** Adam's iteration count of each network's optimiser. */
  optimizerSteps: { G: number; D: number };
  elapsedSec: number;
  tensors: CheckpointTensor[];
}

export function sampleFileName(step: number): string {
  return `${SAMPLES_DIR}/step-${String(step).padStart(6, '0')}${GRID_SUFFIX}`;
}

/** The step encoded in a sample grid's file name, or undefined for other files (like the real grid). */
export function stepOfSampleFile(fileName: string): number | undefined {
  const match = /(?:^|[\\/])step-(\d+)\.grid\.png$/.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

export function checkpointId(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** A run id that sorts by creation time: `20261126-201500-quick-3f2a`. */
export function makeRunId(date: Date, preset: string, random: () => number = Math.random): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  const suffix = Math.floor(random() * 0xffff).toString(16).padStart(4, '0');
  const slug = preset.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'run';
  return `${stamp}-${slug}-${suffix}`;
}

export class RunFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'RunFormatError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function need<T>(file: string, obj: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T {
  const value = obj[key];
  if (!check(value)) throw new RunFormatError(file, `"${key}" should be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isStatus = (v: unknown): v is RunStatus => RUN_STATUSES.includes(v as RunStatus);

/**
 * Validates a parsed run.json. Throws RunFormatError naming the first problem. Fields added by
 * later format versions are kept; missing optional fields get their defaults.
 */
export function parseRunManifest(value: unknown, file = RUN_MANIFEST): RunManifest {
  if (!isRecord(value)) throw new RunFormatError(file, 'is not a JSON object');
  const formatVersion = need(file, value, 'formatVersion', isNumber, 'a number');
  if (formatVersion > RUN_FORMAT_VERSION) {
    throw new RunFormatError(file, `was written by a newer GAN Studio (format ${formatVersion}); update the extension to read it`);
  }
  need(file, value, 'id', isString, 'a string');
  need(file, value, 'name', isString, 'a string');
  need(file, value, 'status', isStatus, `one of ${RUN_STATUSES.join(', ')}`);
  const configProblems = resolveConfig(need(file, value, 'config', isRecord, 'an object')).problems;
  if (configProblems.length > 0) throw new RunFormatError(file, `config: ${configProblems[0].message}`);
  need(file, value, 'progress', isRecord, 'an object');
  need(file, value, 'samples', isArray, 'an array');
  need(file, value, 'checkpoints', isArray, 'an array');
  need(file, value, 'createdAt', isString, 'a date string');
  const legacy = value.stepCount !== STEP_COUNT_COMPLETED;
  return {
    backend: null,
    versions: {},
    pid: null,
    hostname: '',
    endedAt: null,
    lastMetrics: null,
    parent: null,
    error: null,
    ...(value as object),
    config: resolveConfig(value.config).config,
    ...(legacy ? upgradeLegacySteps(value) : {}),
  } as RunManifest;
}

/** Older runs counted grid and record steps from 0 (the iteration index): count completed iterations. */
function upgradeLegacySteps(value: Record<string, unknown>): Partial<RunManifest> {
  const samples = (value.samples as SampleEntry[]).map((s) => ({ ...s, step: s.step + 1 }));
  const last = value.lastMetrics as MetricsSummary | null | undefined;
  return { samples, lastMetrics: last ? { ...last, step: last.step + 1 } : null, stepCount: STEP_COUNT_COMPLETED };
}

/** A record of an older run (no `iteration`) counted from 0: count completed iterations. */
export function upgradeMetricRecord(rec: MetricRecord): MetricRecord {
  return rec.iteration === undefined ? { ...rec, iteration: rec.step, step: rec.step + 1 } : rec;
}

/** Parses metrics.jsonl text; skips a torn last line (a crash mid-append) and reports bad lines. */
export function parseMetricsLines(text: string): { records: MetricRecord[]; badLines: number[] } {
  const records: MetricRecord[] = [];
  const badLines: number[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const rec = JSON.parse(line) as MetricRecord;
      if (isNumber(rec.step) && isNumber(rec.lossD) && isNumber(rec.lossG)) records.push(upgradeMetricRecord(rec));
      else badLines.push(index + 1);
    } catch {
      // A partial last line is what an interrupted append leaves behind; anything else is damage.
      if (index !== lines.length - 1) badLines.push(index + 1);
    }
  });
  return { records, badLines };
}

export function parseCheckpointManifest(value: unknown, file = CHECKPOINT_MANIFEST): CheckpointManifest {
  if (!isRecord(value)) throw new RunFormatError(file, 'is not a JSON object');
  const formatVersion = need(file, value, 'formatVersion', isNumber, 'a number');
  if (formatVersion > RUN_FORMAT_VERSION) {
    throw new RunFormatError(file, `was written by a newer GAN Studio (format ${formatVersion}); update the extension to read it`);
  }
  need(file, value, 'step', isNumber, 'a number');
  need(file, value, 'epoch', isNumber, 'a number');
  need(file, value, 'rng', isArray, 'an array');
  const tensors = need(file, value, 'tensors', isArray, 'an array');
  for (const t of tensors) {
    if (!isRecord(t) || !isString(t.name) || !isArray(t.shape) || !isNumber(t.offset) || !isNumber(t.length)) {
      throw new RunFormatError(file, 'has a malformed entry in "tensors"');
    }
  }
  const config = resolveConfig(need(file, value, 'config', isRecord, 'an object'));
  if (config.problems.length > 0) throw new RunFormatError(file, `config: ${config.problems[0].message}`);
  return { ...(value as object), config: config.config } as CheckpointManifest;
}

/** How a reader should present a run whose manifest says "running" but whose trainer is gone. */
export function isStaleRunning(manifest: RunManifest, isAlive: (pid: number) => boolean, hostname: string): boolean {
  if (manifest.status !== 'running') return false;
  if (manifest.pid === null) return true;
  if (manifest.hostname && manifest.hostname !== hostname) return false;
  return !isAlive(manifest.pid);
}
