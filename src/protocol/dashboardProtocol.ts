/**
 * Messages between the extension host and the training dashboard webview, declared once. The
 * webview sends `ready` with its saved view state and gets one `snapshot`; after that the host
 * sends throttled `update`s (at most about ten a second, however fast the trainer logs).
 * Pure: no vscode, DOM or Node imports; metric columns travel as Float64Arrays (VS Code transfers
 * typed arrays as binary).
 */
import { isFiniteNumber, isOneOf, isRecord, unknownType } from './guards';
import type { QualityRecord } from './qualityFormat';
import type { Progress, RunError } from './runFormat';
import type { RunChoice as AnyRunChoice } from './webviewCommon';

export const DASHBOARD_VIEW_TYPE = 'ganStudio.dashboard';
export const COMMAND_OPEN_DASHBOARD = 'ganStudio.openDashboard';

/** Longest gap between two updates the host sends while a run changes, in ms (10 a second). */
export const UPDATE_INTERVAL_MS = 100;

/** A run's state as the dashboard shows it: the manifest's status refined by the live trainer. */
export type DashboardStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'completed' | 'stopped' | 'failed' | 'interrupted';

export interface RunInfo {
  /** The run folder: names the run in every message. */
  key: string;
  id: string;
  name: string;
  status: DashboardStatus;
  /** What the trainer is doing right now ("Loading FashionMNIST", "Saving a checkpoint"), when it says. */
  message: string | null;
  /** Trained by this window: Stop, Pause and Checkpoint act on it. */
  controllable: boolean;
  /** A trainer is writing the folder (here, in another window or from the CLI). */
  live: boolean;
  progress: Progress;
  totalEpochs: number;
  /** The backend that ran, e.g. "wasm", and what it is. */
  backend: string | null;
  backendDetail: string | null;
  /** "smoke · batch 16 · lr 0.0002 · latent 100 · width 8" */
  configSummary: string;
  error: RunError | null;
  /** Has a checkpoint to continue from and is not training. */
  canResume: boolean;
  createdAt: string;
  /** Lines of metrics.jsonl that could not be read, said in a sentence; null when all were fine. */
  metricsWarning: string | null;
  /** Logged from the user's own script ("PyTorch 1.13.1 via gan_studio.py"): the dashboard follows it but cannot stop or resume it. */
  external?: string | null;
  /** Labels of the sample grids' rows, top to bottom (a conditional run: its classes); absent: unlabelled. */
  gridRows?: string[];
  /** Side of one image of the grids in pixels (absent: 32). */
  imageSize?: number;
}

/** A saved grid of G(fixed noise). */
export interface SampleRef {
  step: number;
  epoch: number;
  /** Unix time in ms. */
  time: number;
  /** Webview URI of the PNG. */
  uri: string;
}

/** The columns of metrics.jsonl the dashboard draws, one Float64Array each, all the same length. */
export const METRIC_COLUMNS = ['step', 'time', 'elapsedSec', 'lossD', 'lossG', 'dReal', 'dFake'] as const;
export type MetricColumn = (typeof METRIC_COLUMNS)[number];
export type MetricColumns = Record<MetricColumn, Float64Array>;

/**
 * Columns sent as 32-bit floats: the losses and D's outputs, which the trainer computes in float32
 * (so they arrive exact), and training seconds. Steps and Unix times stay 64-bit. A 100,000-record
 * run is 3.6 MB on the wire instead of 5.6 MB.
 */
export const FLOAT32_COLUMNS: readonly MetricColumn[] = ['elapsedSec', 'lossD', 'lossG', 'dReal', 'dFake'];
/** Metric columns as messages carry them (see FLOAT32_COLUMNS). */
export type WireColumns = Record<MetricColumn, Float64Array | Float32Array>;

export interface RunSnapshot {
  info: RunInfo;
  metrics: WireColumns;
  samples: SampleRef[];
  /** Webview URI of samples/real.grid.png, when it exists. */
  realGrid: string | null;
  /** The run's sample-quality evaluations (quality.jsonl), oldest first; absent or empty when never evaluated. */
  quality?: QualityRecord[];
}

/** What changed in one run since the last message. */
export interface RunDelta {
  key: string;
  info?: RunInfo;
  /** Rows added at the end. */
  append?: WireColumns;
  /** Every row, replacing the webview's (the file was rewritten: a resume dropped later records). */
  replace?: WireColumns;
  /** The full list (it is short). */
  samples?: SampleRef[];
  realGrid?: string | null;
  /** The full list of evaluations (it is short), when it changed. */
  quality?: QualityRecord[];
}

/** A run offered in the Compare picker (the shared picker entry, with the dashboard's statuses). */
export type RunChoice = AnyRunChoice<DashboardStatus>;

export type ExportKind = 'csv' | 'png' | 'gif';

/** How long the host took to read the runs for a snapshot, and when it sent it (Date.now()). */
export interface SnapshotTiming {
  readMs: number;
  sentAt: number;
}

export type HostMessage =
  | { type: 'snapshot'; main: RunSnapshot; compare: RunSnapshot[]; runs: RunChoice[]; timing: SnapshotTiming }
  | { type: 'update'; runs: RunDelta[] }
  | { type: 'runList'; runs: RunChoice[] }
  /** The compared runs changed: all of them, replacing the ones the webview has. */
  | { type: 'compare'; runs: RunSnapshot[] }
  /** The main run cannot be shown (its folder was deleted, or run.json is damaged). */
  | { type: 'unavailable'; key: string; message: string }
  /** An export finished: `file` is where it went, null when the user cancelled. */
  | { type: 'exported'; kind: ExportKind; file: string | null }
  /** Compare these runs (chosen elsewhere, e.g. in the runs table): the webview adopts them in its view state. */
  | { type: 'setCompare'; keys: string[] };

/** Actions of the header's buttons; each runs the command of the same name on this run. */
export const RUN_ACTIONS = ['stop', 'pause', 'continue', 'checkpoint', 'resume', 'reveal', 'showLog'] as const;
export type RunAction = (typeof RUN_ACTIONS)[number];

export type WebviewMessage =
  | { type: 'ready'; view: DashboardViewState }
  /** The view state changed (compare runs, smoothing, axis...): the host keeps the compare feeds in step. */
  | { type: 'viewChanged'; view: DashboardViewState }
  | { type: 'runAction'; action: RunAction }
  | { type: 'exportCsv' }
  /** A PNG of a chart or a GIF of the grid timeline, rendered by the webview, for the host to save. */
  | { type: 'exportImage'; kind: 'png' | 'gif'; fileName: string; data: Uint8Array }
  /** Opens the grid of this step in VS Code's image preview. */
  | { type: 'openGrid'; step: number }
  | { type: 'log'; level: 'info' | 'error'; message: string };

export const X_AXIS_MODES = ['step', 'epoch', 'relative', 'wall'] as const;
export type XAxisMode = (typeof X_AXIS_MODES)[number];

export const X_AXIS_LABELS: Readonly<Record<XAxisMode, string>> = {
  step: 'Step',
  epoch: 'Epoch',
  relative: 'Training time',
  wall: 'Wall time',
};

/** Everything the dashboard remembers across hide/show and reloads (webview getState/setState). */
export interface DashboardViewState {
  /** The run shown (its folder). */
  runDir: string;
  /** Other runs overlaid (their folders). */
  compare: string[];
  /** TensorBoard's smoothing weight: 0 (raw) to 0.999. */
  smoothing: number;
  xAxis: XAxisMode;
  logScale: boolean;
  /** Step of the grid shown; null follows the newest grid. */
  gridStep: number | null;
  /** Zoomed x range in the units of `xAxis`; null shows everything. */
  zoom: { min: number; max: number } | null;
  /** Frames per second of the grid animation. */
  fps: number;
}

export const MAX_SMOOTHING = 0.999;
export const FPS_CHOICES = [1, 2, 5, 10] as const;

export function defaultViewState(runDir: string): DashboardViewState {
  return { runDir, compare: [], smoothing: 0.6, xAxis: 'step', logScale: false, gridStep: null, zoom: null, fps: 1 };
}

/**
 * Reads a view state saved by an earlier dashboard (or sent by the webview). Unknown or invalid
 * fields fall back to their defaults; undefined when there is no run to show.
 */
export function parseViewState(value: unknown): DashboardViewState | undefined {
  if (!isRecord(value) || typeof value.runDir !== 'string' || value.runDir === '') return undefined;
  const state = defaultViewState(value.runDir);
  if (Array.isArray(value.compare)) state.compare = [...new Set(value.compare.filter((k): k is string => typeof k === 'string' && k !== '' && k !== value.runDir))];
  if (isFiniteNumber(value.smoothing)) state.smoothing = Math.min(MAX_SMOOTHING, Math.max(0, value.smoothing));
  if ((X_AXIS_MODES as readonly unknown[]).includes(value.xAxis)) state.xAxis = value.xAxis as XAxisMode;
  if (typeof value.logScale === 'boolean') state.logScale = value.logScale;
  if (isFiniteNumber(value.gridStep) || value.gridStep === null) state.gridStep = value.gridStep as number | null;
  if (isRecord(value.zoom) && isFiniteNumber(value.zoom.min) && isFiniteNumber(value.zoom.max) && value.zoom.min < value.zoom.max) {
    state.zoom = { min: value.zoom.min, max: value.zoom.max };
  }
  if ((FPS_CHOICES as readonly unknown[]).includes(value.fps)) state.fps = value.fps as number;
  return state;
}

/** Checks a message from the webview; undefined (and the host ignores it) when it is not one. */
export function parseWebviewMessage(value: unknown): WebviewMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const type = value.type as WebviewMessage['type'];
  switch (type) {
    case 'ready':
    case 'viewChanged': {
      const view = parseViewState(value.view);
      return view ? { type, view } : undefined;
    }
    case 'runAction':
      return isOneOf(RUN_ACTIONS, value.action) ? { type, action: value.action } : undefined;
    case 'exportCsv':
      return { type };
    case 'exportImage': {
      const kind = value.kind;
      if ((kind !== 'png' && kind !== 'gif') || typeof value.fileName !== 'string' || !(value.data instanceof Uint8Array)) return undefined;
      return { type, kind, fileName: value.fileName, data: value.data };
    }
    case 'openGrid':
      return isFiniteNumber(value.step) ? { type, step: value.step } : undefined;
    case 'log':
      return (value.level === 'info' || value.level === 'error') && typeof value.message === 'string'
        ? { type, level: value.level, message: value.message }
        : undefined;
    default:
      return unknownType(type);
  }
}

/** A safe file name from a run name: "smoke 2" -> "smoke-2". */
export function fileSlug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
}
