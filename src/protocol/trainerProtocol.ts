/**
 * JSON-RPC between the extension host (client) and the trainer child process (server), over the
 * child's IPC channel. Every message is declared here once; docs/protocol.md describes the flow.
 * The trainer's stdout and stderr carry only human-readable log lines.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ExperimentConfig } from './experimentConfig';
import type { QualityRecord } from './qualityFormat';
import type { BackendReport, CheckpointEntry, MetricRecord, Progress, RunError, SampleEntry } from './runFormat';
import type { RunSweepInfo } from './sweepFormat';

export interface StartParams {
  /** The experiment of a new run; ignored when resuming (the run's own config is used). */
  config?: ExperimentConfig;
  /** Folder that holds run folders; a new run gets a new folder here. */
  runsRoot: string;
  /** Continue an existing run instead of starting a new one. */
  resume?: ResumeParams;
  /** Folders to look in for the FashionMNIST files before the download cache and Debian's package. */
  dataDirs?: string[];
  /** Folders of the other data sets' files, by data set key (e.g. {"mnist": "/data/mnist"}): ganStudio.datasetFolders. */
  datasetDirs?: Record<string, string>;
  /** Where downloaded data sets are kept. */
  cacheDir?: string;
  /** Never download; fail with a hint instead when the data is not found. */
  offline?: boolean;
  /** A new run that is a member of a sweep: recorded as run.json's `sweep`. */
  sweep?: RunSweepInfo;
}

export interface ResumeParams {
  runDir: string;
  /** Checkpoint id; the latest when omitted. */
  checkpoint?: string;
  /**
   * Continue in a new run folder that copies the history up to the checkpoint. Required when the
   * checkpoint is not the run's latest, so that no recorded history is overwritten.
   */
  branch?: boolean;
  /** Settings that may change when a run continues (e.g. train for more epochs). */
  overrides?: ResumeOverrides;
}

export const RESUME_OVERRIDABLE = ['epochs', 'maxSteps', 'backend', 'logEvery', 'sampleEvery', 'checkpointEveryEpochs', 'name', 'evalEvery', 'evalAfter'] as const;
export type ResumeOverrides = Partial<Pick<ExperimentConfig, (typeof RESUME_OVERRIDABLE)[number]>>;

export interface StartResult {
  runId: string;
  runDir: string;
  backend: BackendReport;
  progress: Progress;
}

export type TrainerPhase = 'starting' | 'downloading' | 'loading-data' | 'training' | 'paused' | 'checkpointing' | 'stopping' | 'evaluating';

export interface StatusParams {
  phase: TrainerPhase;
  message: string;
  progress?: Progress;
  /** Download progress in bytes while phase is "downloading". */
  download?: { file: string; received: number; total: number | null };
}

export interface FinishedParams {
  status: 'completed' | 'stopped';
  runDir: string;
  progress: Progress;
}

export interface FailedParams extends RunError {
  runDir?: string;
}

export const StartRequest = new RequestType<StartParams, StartResult, void>('gan/start');
/** Finish the current step, checkpoint, report `finished` and exit. */
export const StopRequest = new RequestType0<{ checkpoint: CheckpointEntry | null }, void>('gan/stop');
export const PauseRequest = new RequestType0<void, void>('gan/pause');
export const ResumeRequest = new RequestType0<void, void>('gan/resume');
export const CheckpointRequest = new RequestType0<CheckpointEntry, void>('gan/checkpoint');
/** Renames the run (the trainer owns run.json while it runs). */
export const RenameRequest = new RequestType<{ name: string }, void, void>('gan/rename');

export const StatusNotification = new NotificationType<StatusParams>('gan/status');
export const MetricsNotification = new NotificationType<MetricRecord>('gan/metrics');
export const SampleNotification = new NotificationType<SampleEntry>('gan/sample');
export const CheckpointNotification = new NotificationType<CheckpointEntry>('gan/checkpointSaved');
/** A sample-quality evaluation finished (also appended to quality.jsonl). */
export const QualityNotification = new NotificationType<QualityRecord>('gan/quality');
export const FinishedNotification = new NotificationType<FinishedParams>('gan/finished');
export const FailedNotification = new NotificationType<FailedParams>('gan/failed');

/** Exit codes of the trainer process. */
export const EXIT = {
  ok: 0,
  failed: 1,
  badArguments: 2,
  /** A signal ended the start before a run folder was written (128 + SIGINT). */
  interrupted: 130,
} as const;
