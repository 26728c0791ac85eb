/**
 * A training session: prepares a run (backend, data, model, run folder; new, resumed or branched)
 * and runs the seed's loop with its schedule of logs, sample grids and checkpoints, answering
 * pause, stop and checkpoint requests between iterations. Used by the RPC server and the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointDir, readMetrics, readRun } from '../../common/runReader';
import { appendLine, makeDir, writeDirAtomic } from '../../common/atomicFile';
import { ExperimentConfig, IMAGE_SIZE, resolveConfig, stepsPerEpoch, totalSteps } from '../../protocol/experimentConfig';
import {
  BackendReport,
  CHECKPOINTS_DIR,
  CheckpointEntry,
  CheckpointReason,
  METRICS_FILE,
  MetricRecord,
  Progress,
  REAL_GRID_FILE,
  RunError,
  RunManifest,
  SampleEntry,
} from '../../protocol/runFormat';
import type { FinishedParams, StartParams, StartResult, StatusParams } from '../../protocol/trainerProtocol';
import { selectBackend } from '../backend/select';
import { loadTrainingSet } from '../data/loadTrainingSet';
import type { TrainingSet } from '../data/trainingSet';
import { makeGrid } from '../image/grid';
import { buildDcgan } from '../model/dcgan';
import { Rng, RNG_STREAMS } from '../rng';
import { RunWriter } from '../runWriter';
import { versions } from '../versions';
import { LoadedCheckpoint, loadCheckpoint, restoreState, saveCheckpoint, TrainingState } from './checkpoint';
import { disposeStep, GanOptimizers, generateSamples, readStep, StepValues, trainStep } from './step';
import { EtaEstimator } from './eta';
import { epochIndexAt, isLogStep, isSampleStep } from '../../protocol/steps';

export interface SessionEvents {
  status(params: StatusParams): void;
  metrics(record: MetricRecord): void;
  sample(entry: SampleEntry): void;
  checkpoint(entry: CheckpointEntry): void;
  /** A human-readable log line (the CLI prints it; the RPC server writes it to stdout). */
  log(line: string): void;
}

export interface SessionOptions {
  /** Extra folders in which to look for the optional native backends. */
  backendSearchPaths?: string[];
  /** Overrides Debian's data set folder (tests). */
  systemDataDir?: string;
}

/** An error a user can act on: what happened and what to do. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}

export function toRunError(error: unknown): RunError {
  const e = error as Error & { hint?: string; detail?: string };
  if (e instanceof Error) {
    return {
      message: e.message,
      hint: e.hint ?? 'This looks like a bug in GAN Studio. Resume the run from its last checkpoint; if it happens again, report it with the log.',
      detail: e.detail ?? e.stack,
    };
  }
  return { message: String(error), hint: 'Resume the run from its last checkpoint.' };
}

interface Control {
  paused: boolean;
  resumeWaiter?: () => void;
  stopWaiters: ((entry: CheckpointEntry | null) => void)[];
  checkpointWaiters: { resolve: (entry: CheckpointEntry) => void; reject: (error: Error) => void }[];
}

export class TrainingSession {
  private readonly control: Control = { paused: false, stopWaiters: [], checkpointWaiters: [] };
  private stopRequested = false;
  private readonly total: number;
  private readonly perEpoch: number;
  private readonly eta = new EtaEstimator();
  private imagesPerSec: number | null = null;

  private constructor(
    private readonly config: ExperimentConfig,
    private readonly backend: BackendReport,
    private readonly set: TrainingSet,
    private readonly state: TrainingState,
    private readonly writer: RunWriter,
    private readonly events: SessionEvents,
  ) {
    this.total = totalSteps(config, set.size);
    this.perEpoch = stepsPerEpoch(config, set.size);
  }

  /** Loads everything and opens the run folder; after this the run exists on disk as "running". */
  static async prepare(params: StartParams, events: SessionEvents, options: SessionOptions = {}): Promise<TrainingSession> {
    const status = (message: string) => events.status({ phase: 'starting', message });
    const resumed = params.resume ? openResume(params) : undefined;
    const config = resumed ? resumed.config : validConfig(params.config);

    status(`Initialising the ${config.backend === 'auto' ? 'fastest available' : config.backend} backend`);
    const backend = await selectBackend(config.backend, { searchPaths: options.backendSearchPaths });
    events.log(`Backend: ${backend.name} — ${backend.detail}`);
    for (const s of backend.skipped) events.log(`  skipped ${s.name}: ${s.reason}`);

    events.status({ phase: 'loading-data', message: 'Loading FashionMNIST' });
    const { set, source } = await loadTrainingSet(config, {
      dataDirs: params.dataDirs ?? [],
      cacheDir: params.cacheDir,
      offline: params.offline,
      systemDir: options.systemDataDir,
      onDownload: (p) =>
        events.status({ phase: 'downloading', message: `Downloading ${path.basename(p.url)}`, download: { file: p.url, received: p.received, total: p.total } }),
    });
    events.log(`Data: ${set.size} training images from ${source.file} (${source.source})`);
    if (resumed && resumed.checkpoint.manifest.datasetSize !== set.size) {
      throw new TrainingError(
        `The training set has ${set.size} images but the checkpoint was trained on ${resumed.checkpoint.manifest.datasetSize}.`,
        'Resume with the same data set (and trainSubset) the run started with.',
      );
    }

    const state = buildState(config);
    if (resumed) await restoreState(state, resumed.checkpoint);
    const writer = openWriter(params, config, backend, set, state, resumed);
    const session = new TrainingSession(config, backend, set, state, writer, events);
    if (!resumed) writer.writeRealGrid(makeGrid(set.firstImages(0, config.sampleCount), IMAGE_SIZE));
    session.say(`Run folder: ${writer.dir}`);
    if (resumed) session.say(`Resuming from checkpoint ${resumed.checkpoint.manifest.id} (step ${state.step})`);
    return session;
  }

  get startResult(): StartResult {
    return { runId: this.writer.manifest.id, runDir: this.writer.dir, backend: this.backend, progress: this.progress() };
  }

  get runDir(): string {
    return this.writer.dir;
  }

  rename(name: string): void {
    const trimmed = name.trim();
    if (!trimmed) throw new TrainingError('A run name cannot be empty.', 'Type a name.');
    this.writer.update({ name: trimmed, config: { ...this.writer.manifest.config, name: trimmed } });
  }

  pause(): void {
    if (this.control.paused || this.stopRequested) return;
    this.control.paused = true;
    this.events.status({ phase: 'paused', message: 'Paused', progress: this.progress() });
    this.say('Paused');
  }

  resume(): void {
    if (!this.control.paused) return;
    this.control.paused = false;
    this.control.resumeWaiter?.();
    this.say('Resumed');
  }

  /** Finishes the current iteration, checkpoints and ends the loop. */
  stop(): Promise<CheckpointEntry | null> {
    this.stopRequested = true;
    this.control.resumeWaiter?.();
    return new Promise((resolve) => this.control.stopWaiters.push(resolve));
  }

  /** Saves a checkpoint after the current iteration. */
  checkpointNow(): Promise<CheckpointEntry> {
    return new Promise((resolve, reject) => {
      this.control.checkpointWaiters.push({ resolve, reject });
      this.control.resumeWaiter?.();
    });
  }

  /** Runs the loop to the end (or a stop). A failure marks the run failed and is rethrown. */
  async run(): Promise<FinishedParams> {
    try {
      return await this.loop();
    } catch (error) {
      const runError = toRunError(error);
      this.say(`Failed: ${runError.message}`);
      if (runError.hint) this.say(`  ${runError.hint}`);
      try {
        this.writer.finish('failed', this.progress(), runError);
      } catch {
        // The manifest cannot be written (e.g. disk full): it still says "running" with our pid,
        // which readers show as interrupted, resumable from the last checkpoint.
      }
      for (const w of this.control.checkpointWaiters.splice(0)) w.reject(error as Error);
      for (const w of this.control.stopWaiters.splice(0)) w(null);
      throw error;
    } finally {
      this.state.model.generator.dispose();
      this.state.model.discriminator.dispose();
      this.state.optimizers.dispose();
    }
  }

  private async loop(): Promise<FinishedParams> {
    const { config, state } = this;
    this.events.status({ phase: 'training', message: 'Training', progress: this.progress() });
    let windowStart = { time: performance.now(), step: state.step, images: 0 };
    let loopClock = performance.now();
    // Step 0: the untrained G, so every run's grids start at the same point.
    if (state.step === 0 && !this.writer.manifest.samples.some((s) => s.step === 0)) this.renderSample(0, 0);
    while (state.step < this.total) {
      await this.serveRequests();
      if (this.stopRequested) break;
      if (this.control.paused) {
        await new Promise<void>((resolve) => (this.control.resumeWaiter = resolve));
        this.control.resumeWaiter = undefined;
        loopClock = performance.now();
        windowStart = { time: loopClock, step: state.step, images: 0 };
        if (!this.stopRequested && !this.control.paused) this.events.status({ phase: 'training', message: 'Training', progress: this.progress() });
        continue;
      }
      const iteration = state.step;
      const epoch = Math.floor(iteration / this.perEpoch);
      const batch = iteration % this.perEpoch;
      const real = this.set.batch(epoch, batch);
      const batchLength = this.set.batchLength(batch);
      const noise = state.noiseRng.fillNormal(new Float32Array(batchLength * config.latentSize));
      const outputs = trainStep(state.model, state.optimizers, real, noise);
      // From here on `step` counts iterations completed (src/protocol/steps.ts).
      const step = iteration + 1;
      const values = isLogStep(step, config.logEvery, this.total) ? readStep(outputs) : undefined;
      disposeStep(outputs);
      state.step = step;
      windowStart.images += batchLength;
      const now = performance.now();
      state.elapsedSec += (now - loopClock) / 1000;
      this.eta.addStep((now - loopClock) / 1000);
      loopClock = now;

      if (values) {
        const seconds = (now - windowStart.time) / 1000;
        this.imagesPerSec = seconds > 0 ? windowStart.images / seconds : null;
        windowStart = { time: now, step: state.step, images: 0 };
        this.logMetrics(step, iteration, epoch, batch, values);
      }
      if (isSampleStep(step, config.sampleEvery, this.total)) this.renderSample(step, epochIndexAt(step, this.perEpoch));
      if (batch === this.perEpoch - 1 && (epoch + 1) % config.checkpointEveryEpochs === 0) await this.checkpoint('epoch');
      // Let requests (stop, pause, checkpoint) in between iterations.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await this.serveRequests();
    const completed = state.step >= this.total && !this.stopRequested;
    const last = this.writer.manifest.checkpoints[this.writer.manifest.checkpoints.length - 1];
    const entry = last?.step === state.step ? last : await this.checkpoint(completed ? 'final' : 'stop');
    this.writer.finish(completed ? 'completed' : 'stopped', this.progress());
    this.say(`${completed ? 'Completed' : 'Stopped'} at step ${state.step}/${this.total}.`);
    for (const w of this.control.stopWaiters.splice(0)) w(entry);
    return { status: completed ? 'completed' : 'stopped', runDir: this.writer.dir, progress: this.progress() };
  }

  private async serveRequests(): Promise<void> {
    if (this.control.checkpointWaiters.length === 0) return;
    const waiters = this.control.checkpointWaiters.splice(0);
    try {
      const entry = await this.checkpoint('request');
      for (const w of waiters) w.resolve(entry);
    } catch (error) {
      for (const w of waiters) w.reject(error as Error);
      throw error;
    }
  }

  private logMetrics(step: number, iteration: number, epoch: number, batch: number, v: StepValues): void {
    checkFinite(step, v);
    const record: MetricRecord = {
      step,
      iteration,
      epoch,
      batch,
      ...v,
      imagesPerSec: this.imagesPerSec ?? 0,
      elapsedSec: this.state.elapsedSec,
      time: Date.now(),
    };
    const progress = this.progress();
    this.writer.appendMetric(record, progress);
    this.events.status({ phase: 'training', message: 'Training', progress });
    this.events.metrics(record);
    this.say(
      `ep ${epoch}; batch ${batch}/${this.perEpoch}\t Loss D: ${v.lossD}\tLoss G: ${v.lossG}` +
        `\tD(x): ${v.dReal.toFixed(4)}\tD(G(z)): ${v.dFake.toFixed(4)} / ${v.dFakeAfter.toFixed(4)}` +
        `\t${(this.imagesPerSec ?? 0).toFixed(1)} img/s\tstep ${step}/${this.total}`,
    );
  }

  private renderSample(step: number, epoch: number): void {
    const images = generateSamples(this.state.model, this.state.fixedNoise);
    const entry = this.writer.writeSample(step, epoch, makeGrid(images, IMAGE_SIZE));
    this.events.sample(entry);
  }

  private async checkpoint(reason: CheckpointReason): Promise<CheckpointEntry> {
    this.events.status({ phase: 'checkpointing', message: 'Saving a checkpoint', progress: this.progress() });
    const entry = await saveCheckpoint(this.writer.dir, this.writer.manifest.id, this.config, this.set.size, this.perEpoch, this.state, reason);
    this.writer.addCheckpoint(entry);
    this.events.checkpoint(entry);
    this.say(`Checkpoint ${entry.id} (${reason})`);
    if (!this.stopRequested) this.events.status({ phase: this.control.paused ? 'paused' : 'training', message: this.control.paused ? 'Paused' : 'Training', progress: this.progress() });
    return entry;
  }

  progress(): Progress {
    const remaining = this.total - this.state.step;
    return {
      step: this.state.step,
      epoch: Math.floor(this.state.step / this.perEpoch),
      totalSteps: this.total,
      stepsPerEpoch: this.perEpoch,
      imagesPerSec: this.imagesPerSec,
      etaSec: this.eta.etaSec(remaining),
      elapsedSec: this.state.elapsedSec,
    };
  }

  private say(line: string): void {
    this.events.log(line);
    this.writer.log(line);
  }
}

/** Fails the run when the losses are no longer numbers: continuing would only write garbage. */
export function checkFinite(step: number, v: Pick<StepValues, 'lossD' | 'lossG'>): void {
  if (![v.lossD, v.lossG].every(Number.isFinite)) {
    throw new TrainingError(
      `Training diverged at step ${step}: the losses are not finite (loss D ${v.lossD}, loss G ${v.lossG}).`,
      'Lower the learning rate, or resume from an earlier checkpoint.',
    );
  }
}

function validConfig(config: ExperimentConfig | undefined): ExperimentConfig {
  if (!config) throw new TrainingError('No experiment config was given.', 'Pass a config, or resume an existing run.');
  const { config: resolved, problems } = resolveConfig(config);
  if (problems.length > 0) {
    throw new TrainingError(`The experiment config is invalid: ${problems.map((p) => p.message).join(' ')}`, 'Fix the config and start again.');
  }
  return resolved;
}

function buildState(config: ExperimentConfig): TrainingState {
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights));
  const fixedNoise = new Rng(config.seed, RNG_STREAMS.fixedNoise).fillNormal(new Float32Array(config.sampleCount * config.latentSize));
  return {
    model,
    optimizers: new GanOptimizers(config),
    noiseRng: new Rng(config.seed, RNG_STREAMS.noise),
    fixedNoise,
    step: 0,
    elapsedSec: 0,
  };
}

interface ResumeSource {
  runDir: string;
  config: ExperimentConfig;
  checkpoint: LoadedCheckpoint;
  branch: boolean;
  manifest: RunManifest;
}

function openResume(params: StartParams): ResumeSource {
  const resume = params.resume!;
  const run = readRun(resume.runDir);
  if (!run.ok) throw new TrainingError(run.error, 'Choose a run folder that holds a valid run.json.');
  const checkpoints = run.manifest.checkpoints;
  if (checkpoints.length === 0) {
    throw new TrainingError(`Run "${run.manifest.name}" has no checkpoint to resume from.`, 'Start a new run instead; checkpoints are saved at the end of each epoch and when a run is stopped.');
  }
  const latest = checkpoints[checkpoints.length - 1];
  const chosen = resume.checkpoint ? checkpoints.find((c) => c.id === resume.checkpoint) : latest;
  if (!chosen) {
    throw new TrainingError(`Run "${run.manifest.name}" has no checkpoint "${resume.checkpoint}".`, `Available: ${checkpoints.map((c) => c.id).join(', ')}.`);
  }
  const checkpoint = loadCheckpoint(checkpointDir(resume.runDir, chosen.id));
  const { config, problems } = resolveConfig({ ...checkpoint.manifest.config, ...(resume.overrides ?? {}) });
  if (problems.length > 0) throw new TrainingError(`Invalid resume settings: ${problems.map((p) => p.message).join(' ')}`, 'Fix the settings and try again.');
  return { runDir: resume.runDir, config, checkpoint, branch: resume.branch === true || chosen.id !== latest.id, manifest: run.manifest };
}

function openWriter(
  params: StartParams,
  config: ExperimentConfig,
  backend: BackendReport,
  set: TrainingSet,
  state: TrainingState,
  resumed: ResumeSource | undefined,
): RunWriter {
  const v = versions(backend.detail);
  const initialProgress: Progress = {
    step: state.step,
    epoch: Math.floor(state.step / stepsPerEpoch(config, set.size)),
    totalSteps: totalSteps(config, set.size),
    stepsPerEpoch: stepsPerEpoch(config, set.size),
    imagesPerSec: null,
    etaSec: null,
    elapsedSec: state.elapsedSec,
  };
  if (!resumed) {
    makeDir(params.runsRoot);
    const writer = RunWriter.create(params.runsRoot, config, v, initialProgress);
    writer.update({ backend });
    return writer;
  }
  if (!resumed.branch) {
    const writer = RunWriter.reopen(resumed.runDir, resumed.manifest, state.step, config, v);
    writer.update({ backend, progress: initialProgress });
    return writer;
  }
  // Branch: a new run that starts with the parent's history up to the checkpoint.
  const step = state.step;
  const branchConfig = { ...config, name: params.resume?.overrides?.name ?? `${config.name} (from step ${step})` };
  const writer = RunWriter.create(path.dirname(resumed.runDir), branchConfig, v, initialProgress, {
    runId: resumed.manifest.id,
    checkpoint: resumed.checkpoint.manifest.id,
    step,
  });
  const from = resumed.runDir;
  for (const record of readMetrics(from).records.filter((r) => r.step <= step)) appendLine(path.join(writer.dir, METRICS_FILE), JSON.stringify(record));
  const samples = resumed.manifest.samples.filter((s) => s.step <= step);
  for (const file of [REAL_GRID_FILE, ...samples.map((s) => s.file)]) {
    if (fs.existsSync(path.join(from, file))) fs.copyFileSync(path.join(from, file), path.join(writer.dir, file));
  }
  const checkpointId = resumed.checkpoint.manifest.id;
  writeDirAtomic(path.join(writer.dir, CHECKPOINTS_DIR, checkpointId), (temp) =>
    fs.cpSync(path.join(from, CHECKPOINTS_DIR, checkpointId), temp, { recursive: true }),
  );
  const checkpoint = resumed.manifest.checkpoints.find((c) => c.id === checkpointId)!;
  writer.update({ backend, samples, checkpoints: [checkpoint] });
  return writer;
}
