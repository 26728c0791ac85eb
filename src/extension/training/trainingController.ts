/**
 * The training controller: starts trainer child processes, follows them over the protocol and
 * exposes each as an ActiveRun with events, so the status bar, notifications, tree and dashboard
 * can follow along. No vscode import: unit-tested against a fake trainer over in-memory streams.
 */
import { Emitter, Event, MessageConnection, ResponseError } from 'vscode-jsonrpc';
import type { CheckpointEntry, MetricRecord, Progress, RunError, SampleEntry } from '../../protocol/runFormat';
import {
  CheckpointNotification,
  CheckpointRequest,
  FailedNotification,
  FinishedNotification,
  MetricsNotification,
  PauseRequest,
  RenameRequest,
  ResumeRequest,
  SampleNotification,
  StartParams,
  StartRequest,
  StartResult,
  StatusNotification,
  StatusParams,
  TrainerPhase,
} from '../../protocol/trainerProtocol';
import type { ChildExit } from '../process/childProcess';

/** What the controller needs of a trainer process (RpcChildProcess, or a fake in tests). */
export interface TrainerHandle {
  readonly connection: MessageConnection;
  readonly exited: Promise<ChildExit>;
  readonly pid: number | undefined;
  stop(timeoutMs?: number): Promise<ChildExit>;
  kill(): void;
}

export type TrainerLauncher = (log: (line: string) => void) => TrainerHandle;

export type RunOutcome =
  | { status: 'completed' | 'stopped'; runDir: string; progress: Progress }
  | { status: 'failed'; runDir?: string; error: RunError };

export interface ActiveRunState {
  phase: TrainerPhase | 'ended';
  message: string;
  progress?: Progress;
  lastMetrics?: MetricRecord;
  download?: StatusParams['download'];
}

export class ActiveRun {
  private readonly changeEmitter = new Emitter<ActiveRun>();
  private readonly metricsEmitter = new Emitter<MetricRecord>();
  private readonly sampleEmitter = new Emitter<SampleEntry>();
  private readonly checkpointEmitter = new Emitter<CheckpointEntry>();
  /** State changes (phase, progress, metrics). */
  readonly onDidChange: Event<ActiveRun> = this.changeEmitter.event;
  readonly onMetrics: Event<MetricRecord> = this.metricsEmitter.event;
  readonly onSample: Event<SampleEntry> = this.sampleEmitter.event;
  readonly onCheckpoint: Event<CheckpointEntry> = this.checkpointEmitter.event;
  state: ActiveRunState = { phase: 'starting', message: 'Starting the trainer' };
  /** Set once the trainer has created (or opened) the run folder. */
  started: StartResult | undefined;
  /** Resolves when the trainer process has ended and the outcome is known. */
  readonly done: Promise<RunOutcome>;
  private reported: RunOutcome | undefined;
  private resolveDone!: (outcome: RunOutcome) => void;

  constructor(
    readonly name: string,
    private readonly trainer: TrainerHandle,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const c = trainer.connection;
    c.onNotification(StatusNotification, (s) => this.update({ phase: s.phase, message: s.message, progress: s.progress ?? this.state.progress, download: s.download }));
    c.onNotification(MetricsNotification, (r) => {
      this.update({ ...this.state, lastMetrics: r });
      this.metricsEmitter.fire(r);
    });
    c.onNotification(SampleNotification, (s) => this.sampleEmitter.fire(s));
    c.onNotification(CheckpointNotification, (e) => this.checkpointEmitter.fire(e));
    c.onNotification(FinishedNotification, (f) => {
      this.reported = { status: f.status, runDir: f.runDir, progress: f.progress };
      this.update({ ...this.state, progress: f.progress });
    });
    c.onNotification(FailedNotification, (f) => {
      this.reported = { status: 'failed', runDir: f.runDir ?? this.started?.runDir, error: { message: f.message, hint: f.hint, detail: f.detail } };
    });
    void trainer.exited.then((exit) => {
      const outcome: RunOutcome = this.reported ?? {
        status: 'failed',
        runDir: this.started?.runDir,
        error: {
          message: `The trainer process ended unexpectedly (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}).`,
          hint: 'Resume the run from its last checkpoint. If this happens again, the log has the details.',
          detail: exit.stderrTail.join('\n'),
        },
      };
      this.update({ ...this.state, phase: 'ended', message: outcome.status });
      this.resolveDone(outcome);
      this.dispose();
    });
  }

  get runDir(): string | undefined {
    return this.started?.runDir;
  }

  get pid(): number | undefined {
    return this.trainer.pid;
  }

  get ended(): boolean {
    return this.state.phase === 'ended';
  }

  get paused(): boolean {
    return this.state.phase === 'paused';
  }

  private update(state: ActiveRunState): void {
    if (this.state.phase === 'ended') return;
    this.state = state;
    this.changeEmitter.fire(this);
  }

  async pause(): Promise<void> {
    await this.trainer.connection.sendRequest(PauseRequest);
  }

  async resume(): Promise<void> {
    await this.trainer.connection.sendRequest(ResumeRequest);
  }

  async rename(name: string): Promise<void> {
    await this.trainer.connection.sendRequest(RenameRequest, { name });
  }

  async checkpoint(): Promise<CheckpointEntry> {
    return this.trainer.connection.sendRequest(CheckpointRequest);
  }

  /** Stops cleanly (the trainer checkpoints first) and waits for the outcome. */
  async stop(): Promise<RunOutcome> {
    if (!this.ended) {
      this.update({ ...this.state, phase: 'stopping', message: 'Stopping after this step' });
      await this.trainer.stop();
    }
    return this.done;
  }

  private dispose(): void {
    this.changeEmitter.dispose();
    this.metricsEmitter.dispose();
    this.sampleEmitter.dispose();
    this.checkpointEmitter.dispose();
  }
}

/** A start that failed before training began: what happened and what to do. */
export class StartError extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
    this.name = 'StartError';
  }
}

export class TrainingController {
  private readonly runs = new Set<ActiveRun>();
  private readonly startEmitter = new Emitter<ActiveRun>();
  private readonly endEmitter = new Emitter<{ run: ActiveRun; outcome: RunOutcome }>();
  readonly onDidStart: Event<ActiveRun> = this.startEmitter.event;
  readonly onDidEnd: Event<{ run: ActiveRun; outcome: RunOutcome }> = this.endEmitter.event;

  constructor(
    private readonly launch: TrainerLauncher,
    private readonly log: (line: string) => void,
  ) {}

  get active(): ActiveRun[] {
    return [...this.runs];
  }

  findByRunDir(runDir: string): ActiveRun | undefined {
    return this.active.find((r) => r.runDir === runDir);
  }

  /**
   * Starts a trainer and its session. Resolves once the run folder exists (the run is visible);
   * rejects with a StartError (message and hint) when the trainer cannot start.
   */
  async start(name: string, params: StartParams): Promise<ActiveRun> {
    let run: ActiveRun | undefined;
    const trainer = this.launch((line) => this.log(run?.started ? `[${run.started.runId}] ${line}` : `[${name}] ${line}`));
    run = new ActiveRun(name, trainer);
    const active = run;
    this.runs.add(active);
    void active.done.then((outcome) => {
      this.runs.delete(active);
      this.endEmitter.fire({ run: active, outcome });
    });
    try {
      active.started = await trainer.connection.sendRequest(StartRequest, params);
    } catch (error) {
      const runError: RunError =
        error instanceof ResponseError && error.data && typeof (error.data as RunError).message === 'string'
          ? (error.data as RunError)
          : { message: `The trainer could not start: ${(error as Error).message}`, hint: 'See the GAN Studio output for details.' };
      trainer.kill();
      throw new StartError(runError);
    }
    this.startEmitter.fire(active);
    return active;
  }

  /** Stops every run cleanly (each checkpoints first); used when VS Code closes or the extension is disabled. */
  async stopAll(): Promise<void> {
    await Promise.all(this.active.map((r) => r.stop()));
  }

  async dispose(): Promise<void> {
    await this.stopAll();
    this.startEmitter.dispose();
    this.endEmitter.dispose();
  }
}
