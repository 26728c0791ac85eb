/**
 * The run folder format (docs/run-format.md): the contract between the trainer, which writes run
 * folders, and every reader (the CLI, the Runs tree, the dashboard, the inspector). Pure: types,
 * file names and validation, no I/O.
 */
import { ExperimentConfig, resolveConfig } from './experimentConfig';
import type { QualityFlag } from './qualityFormat';
import type { RunSweepInfo } from './sweepFormat';
import { STEP_COUNT_COMPLETED } from './steps';

export const RUN_FORMAT_VERSION = 1;

export const RUN_MANIFEST = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const LOG_FILE = 'trainer.log';
/** Held by the trainer that writes the run (src/common/runLock.ts). */
export const LOCK_FILE = 'trainer.lock';
export const SAMPLES_DIR = 'samples';
export const CHECKPOINTS_DIR = 'checkpoints';
export const CHECKPOINT_MANIFEST = 'checkpoint.json';
export const CHECKPOINT_TENSORS = 'tensors.bin';
export const REAL_GRID_FILE = `${SAMPLES_DIR}/real.grid.png`;
/** Sample grids end in `.grid.png`, which is what the grid inspector opens by default. */
export const GRID_SUFFIX = '.grid.png';

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed';
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed'];

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendReport {
  /** The backend that ran. */
  name: BackendName;
  /** What it is, e.g. "tfjs-backend-wasm 4.22.0 (SIMD, 1 thread) + onnxruntime convolutions". */
  detail: string;
  /** Faster backends that were not used, and why. */
  skipped: { name: BackendName; reason: string }[];
  /** The GPU adapter, for the webgpu backend (absent for the others). */
  adapter?: GpuAdapterReport;
}

/** A WebGPU adapter as Dawn describes it (GPUAdapterInfo), e.g. nvidia / hopper / "NVIDIA H200". */
export interface GpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU renderer (SwiftShader, llvmpipe, WARP): correct but slow; `auto` never picks it. */
  software: boolean;
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
  /** External runs: "onnx" when the checkpoint holds the script's ONNX generator (the playground can load it). */
  generator?: 'onnx';
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
  /** Present when the run was written by a logger in the user's own training loop (Python or JavaScript), not by GAN Studio's trainer. */
  external?: ExternalRunInfo;
  /** Things the trainer noticed that a user should know (e.g. a saturated run); absent: none. */
  warnings?: RunWarning[];
  /**
   * Labels of the rows of the sample grids and the real-images grid, top to bottom: a conditional
   * run's class names (one row of 8 per class). Absent: the rows are not labelled.
   */
  gridRows?: string[];
  /** Best FID and the mode-collapse flag once the run has been evaluated (quality.json has the rest). */
  quality?: QualityFlag | null;
  /**
   * `"completed"`: `samples[].step` and `lastMetrics.step` count iterations completed. Runs written
   * before this field counted the 0-based iteration index; `parseRunManifest` converts them.
   */
  stepCount?: typeof STEP_COUNT_COMPLETED;
  /** The sweep this run is a member of, and its combination (src/protocol/sweepFormat.ts); absent: not in a sweep. */
  sweep?: RunSweepInfo;
}

export interface RunWarning {
  kind: 'saturated';
  /** Step at which it was noticed. */
  step: number;
  message: string;
}

/** run.json's `external`: a run logged from the user's own training loop (docs/run-format.md). */
export interface ExternalRunInfo {
  /** The logger that wrote the folder: "gan_studio.py" or "gan-studio/logger". */
  logger: string;
  loggerVersion: string;
  language: 'python' | 'javascript';
  /** e.g. "PyTorch 1.13.1" or "TensorFlow.js 4.22.0"; null when unknown. */
  framework: string | null;
  /** The logger rewrites run.json (its `updatedAt`) at least this often while the script runs. */
  heartbeatSec: number;
  /** Side of the images in the sample grids; null before the first grid. */
  imageSize: number | null;
  /** Images in the real-images grid; null before it was logged. */
  realCount: number | null;
  /** The user's own config, as given to the logger. */
  userConfig: Record<string, unknown>;
}

/** The heartbeat of an external run counts as lost after this many heartbeat periods (at least 30 s). */
export const HEARTBEAT_MISSES = 3;

export function heartbeatTimeoutMs(external: ExternalRunInfo): number {
  return Math.max(30_000, HEARTBEAT_MISSES * 1000 * (Number.isFinite(external.heartbeatSec) && external.heartbeatSec > 0 ? external.heartbeatSec : 10));
}

export function isExternalRun(manifest: RunManifest): boolean {
  return !!manifest.external;
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

export interface AdamBetaPowers {
  beta1Power: number;
  beta2Power: number;
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
  /**
   * Adam's running powers β1^(t+1) and β2^(t+1) of each optimiser, as the float32 products the
   * optimiser holds (recomputing them with pow() differs in the last bits, and a resume would not be
   * exact). Absent in checkpoints of older versions: they are then recomputed as float32 products.
   */
  adamBetaPowers?: { G: AdamBetaPowers; D: AdamBetaPowers };
  elapsedSec: number;
  tensors: CheckpointTensor[];
  /** External runs (run.json has `external`): the generator the user's script exported, if any; `tensors` is then empty. */
  generator?: ExternalGenerator | null;
}

/** A generator logged by an external run: an ONNX file in the checkpoint folder, z [N, latentSize, 1, 1] in, images [N, 1, H, W] out. */
export interface ExternalGenerator {
  format: 'onnx';
  /** File name inside the checkpoint folder. */
  file: string;
  latentSize: number;
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
const isCount = (v: unknown): v is number => isNumber(v) && v >= 0;

/**
 * Names read from disk that become paths are checked before use: a crafted run.json or
 * checkpoint.json must not make a reader or the trainer touch anything outside the run folder.
 */
export const CHECKPOINT_ID_PATTERN = /^step-\d{6,10}$/;
const SAMPLE_FILE_PATTERN = /^samples\/step-\d{6,10}\.grid\.png$/;
const SAFE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** A checkpoint folder name as the trainer writes it ("step-000469"). */
export function isCheckpointId(v: unknown): v is string {
  return typeof v === 'string' && CHECKPOINT_ID_PATTERN.test(v);
}

/** A sample grid's path relative to the run folder ("samples/step-000500.grid.png"). */
export function isSampleFile(v: unknown): v is string {
  return typeof v === 'string' && SAMPLE_FILE_PATTERN.test(v);
}

/** One path segment without separators, "." or "..", or a leading dot (run ids, folder names). */
export function isSafeName(v: unknown): v is string {
  return typeof v === 'string' && SAFE_NAME_PATTERN.test(v) && !v.includes('..');
}

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
  need(file, value, 'id', isSafeName, 'a plain name (letters, digits, ".", "_", "-")');
  need(file, value, 'name', isString, 'a string');
  need(file, value, 'status', isStatus, `one of ${RUN_STATUSES.join(', ')}`);
  const configProblems = resolveConfig(need(file, value, 'config', isRecord, 'an object')).problems;
  if (configProblems.length > 0) throw new RunFormatError(file, `config: ${configProblems[0].message}`);
  const progress = need(file, value, 'progress', isRecord, 'an object');
  for (const key of ['step', 'epoch', 'totalSteps', 'stepsPerEpoch', 'elapsedSec']) need(file, progress, key, isCount, 'a number at least 0');
  const samples = need(file, value, 'samples', isArray, 'an array');
  samples.forEach((s, i) => {
    if (!isRecord(s) || !isCount(s.step) || !isString(s.file) || !isSampleFile(s.file)) {
      throw new RunFormatError(file, `samples[${i}] should be {"step", "file": "samples/step-NNNNNN.grid.png"}`);
    }
  });
  const checkpoints = need(file, value, 'checkpoints', isArray, 'an array');
  checkpoints.forEach((c, i) => {
    if (!isRecord(c) || !isCheckpointId(c.id) || !isCount(c.step)) throw new RunFormatError(file, `checkpoints[${i}] should be {"id": "step-NNNNNN", "step"}`);
  });
  need(file, value, 'createdAt', isString, 'a date string');
  if (value.external !== undefined && !isRecord(value.external)) throw new RunFormatError(file, '"external" should be an object (see docs/run-format.md)');
  if (value.pid !== undefined && value.pid !== null && !(isCount(value.pid) && Number.isInteger(value.pid))) throw new RunFormatError(file, '"pid" should be a process id or null');
  const parent = value.parent;
  if (parent !== undefined && parent !== null && !(isRecord(parent) && isSafeName(parent.runId) && isCheckpointId(parent.checkpoint) && isCount(parent.step))) {
    throw new RunFormatError(file, '"parent" should be null or {"runId", "checkpoint": "step-NNNNNN", "step"}');
  }
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
  need(file, value, 'id', isCheckpointId, 'a checkpoint id like "step-000469"');
  need(file, value, 'runId', isString, 'a string');
  need(file, value, 'step', isCount, 'a number at least 0');
  need(file, value, 'epoch', isCount, 'a number at least 0');
  need(file, value, 'elapsedSec', isCount, 'a number at least 0');
  const rng = need(file, value, 'rng', isArray, 'an array');
  if (!rng.every((x) => x === null || isNumber(x))) throw new RunFormatError(file, '"rng" should hold numbers');
  const steps = need(file, value, 'optimizerSteps', isRecord, 'an object');
  need(file, steps, 'G', isCount, 'a number at least 0');
  need(file, steps, 'D', isCount, 'a number at least 0');
  const powers = value.adamBetaPowers;
  if (powers !== undefined) {
    const ok = (p: unknown) => isRecord(p) && isNumber(p.beta1Power) && isNumber(p.beta2Power);
    if (!isRecord(powers) || !ok(powers.G) || !ok(powers.D)) throw new RunFormatError(file, '"adamBetaPowers" should be {"G": {"beta1Power", "beta2Power"}, "D": {…}}');
  }
  const tensors = need(file, value, 'tensors', isArray, 'an array');
  for (const t of tensors) {
    const isDim = (d: unknown) => isCount(d) && Number.isInteger(d);
    if (!isRecord(t) || !isString(t.name) || !isArray(t.shape) || !t.shape.every(isDim) || !isDim(t.offset) || !isDim(t.length)) {
      throw new RunFormatError(file, 'has a malformed entry in "tensors"');
    }
  }
  const config = resolveConfig(need(file, value, 'config', isRecord, 'an object'));
  if (config.problems.length > 0) throw new RunFormatError(file, `config: ${config.problems[0].message}`);
  return { ...(value as object), config: config.config } as CheckpointManifest;
}

/**
 * How a reader should present a run whose manifest says "running" but whose trainer is gone. An
 * external run is also gone when its heartbeat (run.json's `updatedAt`) is older than
 * heartbeatTimeoutMs, which also covers scripts on another machine writing to a shared folder.
 */
export function isStaleRunning(manifest: RunManifest, isAlive: (pid: number) => boolean, hostname: string, now: number = Date.now()): boolean {
  if (manifest.status !== 'running') return false;
  if (manifest.pid === null) return true;
  if (manifest.external) {
    const beat = Date.parse(manifest.updatedAt);
    if (!Number.isFinite(beat) || now - beat > heartbeatTimeoutMs(manifest.external)) return true;
  }
  if (manifest.hostname && manifest.hostname !== hostname) return false;
  return !isAlive(manifest.pid);
}
