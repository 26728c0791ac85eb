/**
 * A training session: prepares a run (backend, data, model, run folder; new, resumed or branched)
 * and runs the seed's loop with its schedule of logs, sample grids and checkpoints, answering
 * pause, stop and checkpoint requests between iterations. Used by the RPC server and the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkpointDir, readMetrics, readRun } from '../../common/runReader';
import { appendLine, makeDir, writeDirAtomic } from '../../common/atomicFile';
import { CONDITIONAL_CLASSES, CONDITIONAL_COLUMNS, ExperimentConfig, imageChannels, resolveConfig, stepsPerEpoch, totalSteps } from '../../protocol/experimentConfig';
import {
  BackendReport,
  CHECKPOINT_MANIFEST,
  CHECKPOINT_TENSORS,
  CHECKPOINTS_DIR,
  CheckpointEntry,
  CheckpointReason,
  METRICS_FILE,
  MetricRecord,
  Progress,
  REAL_GRID_FILE,
  RunError,
  RunManifest,
  SAMPLES_DIR,
  SampleEntry,
} from '../../protocol/runFormat';
import type { FinishedParams, StartParams, StartResult, StatusParams } from '../../protocol/trainerProtocol';
import { QUALITY_FILE, qualityFlag, QualityRecord, QualitySummary } from '../../protocol/qualityFormat';
import { appendQuality, readQuality, readQualitySummary, truncateQuality, writeQualitySummary } from '../../common/qualityFiles';
import type { LocateOptions } from '../data/fashionMnist';
import { evaluationLatents, QualityEvaluator } from '../evaluator/qualityEvaluator';
import { DEFAULT_DATASET, evaluatorFor, hasEvaluator } from '../evaluator/registry';
import { IDX_DATASETS } from '../data/datasets';
import { selectBackend } from '../backend/select';
import { assertGpuHealthy, gpuLostError } from '../backend/webgpu';
import { loadTrainingSet } from '../data/loadTrainingSet';
import type { TrainingSet } from '../data/trainingSet';
import { makeGrid } from '../image/grid';
import { architectureOf, buildDcgan, generatorSpec, Network } from '../model/dcgan';
import { datasetClassNames } from '../data/datasets';
import { Rng, RNG_STREAMS } from '../rng';
import { RunWriter } from '../runWriter';
import { versions } from '../versions';
import { RunLock, RunLockedError } from '../../common/runLock';
import { CheckpointError, LoadedCheckpoint, loadCheckpoint, restoreState, saveCheckpoint, TrainingState } from './checkpoint';
import { BCE_CLAMP, disposeStep, drawLabels, GanOptimizers, generateSamples, readStep, stepOptions, StepValues, trainStep } from './step';
import { EtaEstimator } from './eta';
import { epochIndexAt, isLogStep, isSampleStep } from '../../protocol/steps';
import type { OrtStepEngine } from '../ortEngine/engine';
import { EngineChoice, selectEngine } from '../ortEngine/select';

export interface SessionEvents {
  status(params: StatusParams): void;
  metrics(record: MetricRecord): void;
  sample(entry: SampleEntry): void;
  checkpoint(entry: CheckpointEntry): void;
  /** A sample-quality evaluation finished. */
  quality?(record: QualityRecord): void;
  /** A human-readable log line (the CLI prints it; the RPC server writes it to stdout). */
  log(line: string): void;
}

export interface SessionOptions {
  /** Aborted by SIGINT/SIGTERM: before the run folder exists prepare() ends, after it the session stops. */
  signal?: AbortSignal;
  /** Extra folders in which to look for the optional native backends. */
  backendSearchPaths?: string[];
  /** Overrides Debian's data set folder (tests). */
  systemDataDir?: string;
  /** Opens the quality evaluator (tests give a small one); default: the data set's registered evaluator. */
  openEvaluator?: (locate: LocateOptions, log: (line: string) => void) => Promise<QualityEvaluator>;
  /** "tfjs" keeps the training step on TensorFlow.js (tests, comparisons); default: the onnxruntime engine where it applies (ortEngine/select.ts). */
  engine?: EngineChoice;
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

/**
 * The error as run.json records it. `hasCheckpoint` says whether the run can resume from a
 * checkpoint; without one the hint says that a resume starts the run again from step 0.
 */
export function toRunError(error: unknown, hasCheckpoint = true): RunError {
  const again = hasCheckpoint ? 'Resume the run from its last checkpoint' : 'Resume the run (it has no checkpoint yet, so it starts again from step 0)';
  const e = error as Error & { hint?: string; detail?: string };
  if (e instanceof Error) {
    if (!e.hint && OUT_OF_MEMORY.test(e.message)) {
      return { message: `The model does not fit in memory: ${e.message}`, hint: 'Lower featureSize or batchSize (or use a backend with more memory), then start a new run.', detail: e.stack };
    }
    return {
      message: e.message,
      hint: e.hint ?? `This looks like a bug in GAN Studio. ${again}; if it happens again, report it with the log.`,
      detail: e.detail ?? e.stack,
    };
  }
  return { message: String(error), hint: `${again}.` };
}

const OUT_OF_MEMORY = /out of memory|Cannot enlarge memory|Array buffer allocation failed|memory access out of bounds|Invalid typed array length|Aborted\(OOM\)/i;

/** An abort (SIGINT, SIGTERM) before the run folder existed: nothing was written. */
export class StartCancelled extends Error {
  constructor() {
    super('Stopped before training started; no run folder was written.');
    this.name = 'StartCancelled';
  }
}

/** A resume that cannot go ahead (damaged run, unknown checkpoint, another trainer owns it): nothing was changed. */
export class ResumeRefused extends TrainingError {}

function disposeState(state: TrainingState): void {
  state.model.generator.dispose();
  state.model.discriminator.dispose();
  state.optimizers.dispose();
  state.ema?.dispose();
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
  private saturatedRecords = 0;
  private evaluator: QualityEvaluator | undefined;
  private evalLatents: Float32Array | undefined;
  /** Coverage entropy and recall of the run's training evaluations so far (for the collapse alarm). */
  private qualityHistory: { entropy: number; recall: number }[] = [];
  private evaluationUnavailable = false;
  /** The onnxruntime engine that runs the training step, when it applies; TensorFlow.js's model is then brought up to date before grids, evaluations and checkpoints. */
  private engine: OrtStepEngine | undefined;
  /** An iteration is between its start and its metrics (pause() waits for it). */
  private stepping = false;
  private pausePending = false;

  private constructor(
    private readonly config: ExperimentConfig,
    private readonly backend: BackendReport,
    private readonly set: TrainingSet,
    private readonly state: TrainingState,
    private readonly writer: RunWriter,
    private readonly events: SessionEvents,
    private readonly locate: LocateOptions,
    private readonly options: SessionOptions,
  ) {
    this.total = totalSteps(config, set.size);
    this.perEpoch = stepsPerEpoch(config, set.size);
  }

  /**
   * Loads everything and opens the run folder; after this the run exists on disk as "running",
   * owned by this process (trainer.lock). A failure after the folder exists marks the run failed; an
   * abort (options.signal: SIGINT, SIGTERM) before it exists ends with StartCancelled and writes
   * nothing, after it the session stops at once with a step-0 checkpoint, so the run is stopped and
   * resumable rather than "running" forever.
   */
  static async prepare(params: StartParams, events: SessionEvents, options: SessionOptions = {}): Promise<TrainingSession> {
    const status = (message: string) => events.status({ phase: 'starting', message });
    const cancelled = () => {
      if (options.signal?.aborted) throw new StartCancelled();
    };
    cancelled();
    const resumed = params.resume ? openResume(params) : undefined;
    let state: TrainingState | undefined;
    let writer: RunWriter | undefined;
    let engine: OrtStepEngine | undefined;
    try {
      let config = resumed ? resumed.config : validConfig(params.config);

      status(`Initialising the ${config.backend === 'auto' ? 'fastest available' : config.backend} backend`);
      const backend = await selectBackend(config.backend, { searchPaths: options.backendSearchPaths });
      events.log(`Backend: ${backend.name} — ${backend.detail}`);
      for (const s of backend.skipped) events.log(`  skipped ${s.name}: ${s.reason}`);
      cancelled();

      events.status({ phase: 'loading-data', message: `Loading ${datasetTitle(config)}` });
      const { set, source, channels, notes } = await loadTrainingSet(config, {
        dataDirs: params.dataDirs ?? [],
        datasetDirs: params.datasetDirs,
        onDecode: (done, total) => {
          if (done % 256 === 0 || done === total) events.status({ phase: 'loading-data', message: `Decoding images: ${done} of ${total}` });
        },
        cacheDir: params.cacheDir,
        offline: params.offline,
        systemDir: options.systemDataDir,
        onDownload: (p) =>
          events.status({ phase: 'downloading', message: `Downloading ${path.basename(p.url)}`, download: { file: p.url, received: p.received, total: p.total } }),
      });
      events.log(`Data: ${set.size} training images from ${source.file} (${source.source})${channels === 3 ? ', RGB' : ''}`);
      for (const note of notes) events.log(note);
      // A folder's detected channels become part of the run's config (run.json, checkpoints, the generator).
      if (config.channels === null && config.dataset === 'folder') config = { ...config, channels };
      if (resumed?.checkpoint && resumed.checkpoint.manifest.datasetSize !== set.size) {
        throw new TrainingError(
          `The training set has ${set.size} images but the checkpoint was trained on ${resumed.checkpoint.manifest.datasetSize}.`,
          'Resume with the same data set (and trainSubset) the run started with.',
        );
      }
      cancelled();

      state = buildState(config);
      if (resumed?.checkpoint) await restoreState(state, resumed.checkpoint);
      status('Preparing the training step');
      const stepEngine = await selectEngine(config, backend, state, options.engine);
      engine = stepEngine.engine;
      events.log(`Training step: ${stepEngine.description}`);
      const reported: BackendReport = { ...backend, detail: `${backend.detail}; training step: ${stepEngine.description}` };
      writer = openWriter(params, config, reported, set, state, resumed);
      const locate: LocateOptions = { dataDirs: params.dataDirs ?? [], cacheDir: params.cacheDir, offline: params.offline, systemDir: options.systemDataDir };
      const session = new TrainingSession(config, reported, set, state, writer, events, locate, options);
      session.engine = engine;
      const carried = carryQuality(writer.dir, resumed, state.step);
      session.qualityHistory = carried.history;
      if (carried.summary) writer.update({ quality: qualityFlag(carried.summary) });
      if (config.conditional) writer.update({ gridRows: datasetClassNames(config.dataset).slice(0, CONDITIONAL_CLASSES) });
      if (!resumed?.checkpoint) {
        // A conditional run's real grid is class by class too: the first 8 images of each class in epoch 0's order.
        const realImages = config.conditional ? set.firstImagesPerClass(0, CONDITIONAL_CLASSES, CONDITIONAL_COLUMNS) : set.firstImages(0, config.sampleCount);
        writer.writeRealGrid(makeGrid(realImages, config.imageSize, undefined, undefined, set.channels));
      }
      if (config.evalEvery !== null && !hasEvaluator(config.dataset)) {
        session.evaluationUnavailable = true;
        session.say(`Sample quality is not measured for the ${config.dataset} data set: GAN Studio's evaluator classifier is trained on FashionMNIST (a data set plugs in its own in src/trainer/evaluator/registry.ts).`);
      } else if (config.evalEvery !== null && imageChannels(config) !== 1) {
        session.evaluationUnavailable = true;
        session.say('Sample quality is not measured in 3 channels: the FashionMNIST evaluator classifies grey images (train with "channels": 1 or null to measure it).');
      }
      session.say(`Run folder: ${writer.dir}`);
      if (resumed?.checkpoint) session.say(`Resuming from checkpoint ${resumed.checkpoint.manifest.id} (step ${state.step})`);
      else if (resumed) session.say('The run has no checkpoint yet: it starts again from step 0 with its own settings (the same seed, so the same run).');
      if (options.signal?.aborted) void session.stop();
      options.signal?.addEventListener('abort', () => void session.stop(), { once: true });
      return session;
    } catch (error) {
      if (writer) {
        const runError = toRunError(error, writer.manifest.checkpoints.length > 0);
        writer.log(`Failed to start: ${runError.message}`);
        try {
          writer.finish('failed', writer.manifest.progress, runError);
        } catch {
          // Cannot write the manifest (disk full): readers show the run as interrupted.
        }
        writer.release();
      } else {
        resumed?.lock?.release();
      }
      if (state) disposeState(state);
      void engine?.release();
      throw error;
    }
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
    // The onnxruntime engine's step is asynchronous: a pause that arrives during it is announced
    // once the step is counted, so "paused at step N" follows step N's metrics.
    if (this.stepping) this.pausePending = true;
    else this.announcePause();
  }

  private announcePause(): void {
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
    } catch (thrown) {
      // A read from a lost GPU fails with Dawn's own words: say what happened instead.
      const error = gpuLostError() ?? thrown;
      const runError = toRunError(error, this.writer.manifest.checkpoints.length > 0);
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
      this.writer.release();
      disposeState(this.state);
      void this.engine?.release();
      this.evaluator?.dispose();
    }
  }

  private async loop(): Promise<FinishedParams> {
    const { config, state } = this;
    this.events.status({ phase: 'training', message: 'Training', progress: this.progress() });
    let windowStart = { time: performance.now(), step: state.step, images: 0 };
    let loopClock = performance.now();
    // Step 0: the untrained G, so every run's grids start at the same point. A scheduled grid (it
    // updates G's running statistics), so it is drawn whenever the state is the untrained one: not
    // when restored from a step-0 checkpoint (saved after it), but again when a run without a
    // checkpoint starts over, or its statistics would differ from an uninterrupted run's.
    if (state.step === 0 && !this.writer.manifest.checkpoints.some((c) => c.step === 0)) await this.renderSample(0, 0, true);
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
      // A conditional run asks G for classes drawn uniformly after the noise (the unconditional draws are untouched); D sees the real batch's labels.
      const labels = config.conditional
        ? { real: this.set.batchLabels(epoch, batch), fake: drawLabels(state.noiseRng, batchLength, CONDITIONAL_CLASSES) }
        : undefined;
      this.stepping = true;
      const outputs = this.engine ? undefined : trainStep(state.model, state.optimizers, real, noise, { ...stepOptions(config, iteration, state.noiseRng), ...(labels ? { labels } : {}) });
      if (state.ema) state.ema.averageFrom(state.model.generator, config.gEma);
      // A lost GPU device computes nothing: fail before its values reach the metrics or a checkpoint.
      assertGpuHealthy();
      // From here on `step` counts iterations completed (src/protocol/steps.ts).
      const step = iteration + 1;
      const isLast = step === this.total;
      // Losses are recorded every step; a progress line is printed on the log schedule (step 1, every
      // logEvery steps, the last). Reading them every step also stops a diverging run at once, before
      // a grid or a checkpoint of NaN weights is written. Read asynchronously: a GPU backend cannot
      // read synchronously in Node.
      const shouldPrint = isLogStep(step, config.logEvery, this.total);
      const values = outputs ? await readStep(outputs) : await this.engine!.step(real, noise);
      if (outputs) disposeStep(outputs);
      checkFinite(step, values);
      state.step = step;
      windowStart.images += batchLength;
      const now = performance.now();
      state.elapsedSec += (now - loopClock) / 1000;
      this.eta.addStep((now - loopClock) / 1000);
      loopClock = now;

      if (shouldPrint) {
        const seconds = (now - windowStart.time) / 1000;
        this.imagesPerSec = seconds > 0 ? windowStart.images / seconds : null;
        windowStart = { time: now, step: state.step, images: 0 };
      }
      this.logMetrics(step, iteration, epoch, batch, values, shouldPrint);
      this.stepping = false;
      if (this.pausePending) {
        this.pausePending = false;
        if (this.control.paused) this.announcePause();
      }
      // The last step's grid is on the schedule too, but only a multiple of sampleEvery updates G's
      // running statistics: a resume with more steps would not have drawn the last one.
      if (isSampleStep(step, config.sampleEvery, this.total)) await this.renderSample(step, epochIndexAt(step, this.perEpoch), step % config.sampleEvery === 0);
      if (!this.evaluationUnavailable && shouldEvaluate(config, step, isLast)) {
        await this.evaluateOrWarn(step, epoch);
        // Evaluation time is not training time (it is logged and summed in quality.json).
        loopClock = performance.now();
        windowStart = { time: loopClock, step: state.step, images: 0 };
      }
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

  private logMetrics(step: number, iteration: number, epoch: number, batch: number, v: StepValues, print: boolean): void {
    // Saturation is judged on the printed records (every logEvery steps), as the seed's log shows them.
    if (print) this.watchSaturation(step, v);
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
    this.writer.appendMetric(record, progress, print);
    this.events.metrics(record);
    if (!print) return;
    this.events.status({ phase: 'training', message: 'Training', progress });
    this.say(
      `ep ${epoch}; batch ${batch}/${this.perEpoch}\t Loss D: ${v.lossD}\tLoss G: ${v.lossG}` +
        `\tD(x): ${v.dReal.toFixed(4)}\tD(G(z)): ${v.dFake.toFixed(4)} / ${v.dFakeAfter.toFixed(4)}` +
        `\t${(this.imagesPerSec ?? 0).toFixed(1)} img/s\tstep ${step}/${this.total}`,
    );
  }

  /**
   * A run whose losses sit at their limits (a term of loss_D or loss_G at the BCE clamp, or one of
   * them at 0) for SATURATION_RECORDS logged records in a row has stopped learning: say so once, in
   * run.json's warnings and in the log. Training goes on (the user decides).
   */
  private watchSaturation(step: number, v: StepValues): void {
    if (this.config.loss !== 'bce') return; // the limits below are BCE's
    const pinned = (x: number) => x >= BCE_CLAMP - 1e-3 || x <= 1e-6;
    this.saturatedRecords = pinned(v.lossD) || pinned(v.lossG) ? this.saturatedRecords + 1 : 0;
    if (this.saturatedRecords !== SATURATION_RECORDS || this.writer.manifest.warnings?.some((w) => w.kind === 'saturated')) return;
    const message =
      `Training looks saturated since step ${step}: loss D ${v.lossD}, loss G ${v.lossG} for ${SATURATION_RECORDS} logged records in a row ` +
      '(a loss at the BCE clamp of 100 or at 0 means one network wins completely and the other gets no useful gradient). ' +
      'Lower the learning rate, or resume from an earlier checkpoint.';
    this.writer.warn({ kind: 'saturated', step, message });
    this.say(`Warning: ${message}`);
  }

  /**
   * Renders G(fixed noise). Only a scheduled grid updates G's running statistics (the seed's
   * behaviour); the extra grid at the last step of a session leaves them as they are, because a
   * resume with more steps would not have drawn it. With gEma the grids show the averaged
   * generator (its BatchNorm statistics are averaged, not drawn: 'train-recompute').
   */
  private async renderSample(step: number, epoch: number, scheduled: boolean): Promise<void> {
    const { ema } = this.state;
    const { fixedLabels } = this.state;
    await this.engine?.exportTo(this.state);
    const images = ema
      ? await generateSamples({ ...this.state.model, generator: ema }, this.state.fixedNoise, 'train-recompute', fixedLabels)
      : await generateSamples(this.state.model, this.state.fixedNoise, scheduled ? 'train' : 'train-recompute', fixedLabels);
    // A scheduled grid updated G's running statistics in TensorFlow.js: the engine takes them.
    if (scheduled && !ema) await this.engine?.importFrom(this.state);
    const entry = this.writer.writeSample(step, epoch, makeGrid(images, this.config.imageSize, undefined, undefined, this.set.channels));
    this.events.sample(entry);
  }

  /** An evaluation that cannot run (no evaluator model, no test split) is reported once and training goes on. */
  private async evaluateOrWarn(step: number, epoch: number): Promise<void> {
    try {
      await this.evaluate(step, epoch);
    } catch (error) {
      const e = error as Error & { hint?: string };
      this.evaluationUnavailable = true;
      this.say(`Sample quality is not measured in this run: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
      this.events.status({ phase: this.control.paused ? 'paused' : 'training', message: this.control.paused ? 'Paused' : 'Training', progress: this.progress() });
    }
  }

  /**
   * Measures G (eval mode) on the run's fixed evaluation latents. Draws no training randomness and
   * changes no variable, so a resumed run still equals an uninterrupted one.
   */
  private async evaluate(step: number, epoch: number): Promise<void> {
    const started = performance.now();
    this.events.status({ phase: 'evaluating', message: 'Measuring sample quality', progress: this.progress() });
    if (!this.evaluator) {
      const open = this.options.openEvaluator ?? ((locate, log) => QualityEvaluator.open(evaluatorFor(DEFAULT_DATASET), locate, log));
      this.evaluator = await open(this.locate, (line) => this.say(line));
      this.evalLatents = evaluationLatents(this.config.seed, this.config.evalSamples, this.config.latentSize);
    }
    const evaluator = this.evaluator;
    await this.engine?.exportTo(this.state);
    // With gEma the averaged generator is measured, rendered as the sample grids render it.
    const { ema } = this.state;
    const features = ema ? evaluator.generatorFeatures({ ...this.state.model, generator: ema }, this.evalLatents!, 'train-recompute') : evaluator.generatorFeatures(this.state.model, this.evalLatents!);
    const metrics = evaluator.measure(features, this.qualityHistory);
    const record: QualityRecord = { step, epoch, source: 'training', ...metrics, seconds: (performance.now() - started) / 1000, time: Date.now() };
    this.qualityHistory.push({ entropy: record.coverage.entropy, recall: record.recall });
    const summary = appendQuality(this.writer.dir, record, {
      evaluator: evaluator.loaded.metadata.version,
      fidLabel: evaluator.entry.fidLabel,
      classNames: [...evaluator.entry.classNames],
      trainingSec: this.state.elapsedSec,
    });
    this.writer.update({ quality: qualityFlag(summary) });
    this.events.quality?.(record);
    this.say(
      `Quality at step ${step}: ${evaluator.entry.fidLabel} ${record.fid.toFixed(2)}, KID ${record.kid.toFixed(4)} ± ${record.kidStd.toFixed(4)}, ` +
        `precision ${record.precision.toFixed(3)}, recall ${record.recall.toFixed(3)}, class coverage ${record.coverage.entropy.toFixed(3)} ` +
        `(${record.samples} samples, ${record.seconds.toFixed(1)} s; evaluation ${summary.evaluationSec.toFixed(0)} s of ${summary.trainingSec.toFixed(0)} s training)`,
    );
    if (record.alarm) this.say(`Mode-collapse warning at step ${step}: ${record.alarmReasons.join('; ')}`);
    if (!this.stopRequested) this.events.status({ phase: this.control.paused ? 'paused' : 'training', message: this.control.paused ? 'Paused' : 'Training', progress: this.progress() });
  }

  private async checkpoint(reason: CheckpointReason): Promise<CheckpointEntry> {
    assertGpuHealthy();
    this.events.status({ phase: 'checkpointing', message: 'Saving a checkpoint', progress: this.progress() });
    await this.engine?.exportTo(this.state);
    const entry = await saveCheckpoint(this.writer.dir, this.writer.manifest.id, this.config, this.set.size, this.perEpoch, this.state, reason);
    this.writer.addCheckpoint(entry, this.progress());
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

/** Logged records in a row with a pinned loss before a run counts as saturated. */
export const SATURATION_RECORDS = 10;

/** Whether the state after `step` iterations (src/protocol/steps.ts) is evaluated. */
export function shouldEvaluate(config: Pick<ExperimentConfig, 'evalEvery' | 'evalAfter'>, step: number, isLast: boolean): boolean {
  if (config.evalEvery === null) return false;
  return isLast || (step >= config.evalAfter && step % config.evalEvery === 0);
}

/**
 * The quality history a session continues from: a resumed run drops its training evaluations from
 * `step` on (they are recomputed exactly); a branch copies its parent's up to `step`.
 */
function carryQuality(runDir: string, resumed: ResumeSource | undefined, step: number): { history: { entropy: number; recall: number }[]; summary?: QualitySummary } {
  if (!resumed) return { history: [] };
  const previous = readQualitySummary(resumed.runDir);
  let records: QualityRecord[];
  if (!resumed.branch) records = truncateQuality(runDir, step);
  else {
    records = readQuality(resumed.runDir).records.filter((r) => r.source === 'training' && r.step <= step);
    for (const r of records) appendLine(path.join(runDir, QUALITY_FILE), JSON.stringify(r));
  }
  const summary = previous
    ? writeQualitySummary(runDir, records, { evaluator: previous.evaluator, fidLabel: previous.fidLabel, classNames: previous.classNames, trainingSec: previous.trainingSec })
    : undefined;
  return { history: records.filter((r) => r.source === 'training').map((r) => ({ entropy: r.coverage.entropy, recall: r.recall })), summary };
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

/** The data set's name for status lines. */
function datasetTitle(config: ExperimentConfig): string {
  if (config.dataset === 'cifar10') return 'CIFAR-10';
  if (config.dataset === 'folder') return `the images in ${config.datasetPath}`;
  return IDX_DATASETS[config.dataset ?? 'fashion-mnist'].title;
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
  const architecture = architectureOf(config);
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights), {
    discriminator: config.spectralNorm ? { spectralNorm: { rng: new Rng(config.seed, RNG_STREAMS.spectralNorm) } } : {},
    ...architecture,
  });
  let ema: Network | undefined;
  if (config.gEma > 0) {
    // Built from a throwaway generator (the weights stream is G's and D's alone), then set to G.
    ema = new Network('G', generatorSpec(config.latentSize, config.featureSize, architecture), new Rng(config.seed, RNG_STREAMS.spectralNorm + 1));
    ema.copyFrom(model.generator);
  }
  const { fixedNoise, fixedLabels } = fixedSamples(config);
  return {
    model,
    ...(fixedLabels ? { fixedLabels } : {}),
    optimizers: new GanOptimizers(config),
    noiseRng: new Rng(config.seed, RNG_STREAMS.noise),
    fixedNoise,
    ...(ema ? { ema } : {}),
    step: 0,
    elapsedSec: 0,
  };
}

/**
 * The latents (and, conditional, the classes) of a run's sample grids. Conditional: 8 latents drawn
 * like the first 8 of an unconditional run, repeated in every row, row r asking for class r, so a
 * column shows one latent under every class.
 */
export function fixedSamples(config: Pick<ExperimentConfig, 'seed' | 'sampleCount' | 'latentSize' | 'conditional'>): { fixedNoise: Float32Array; fixedLabels?: Uint8Array } {
  const rng = new Rng(config.seed, RNG_STREAMS.fixedNoise);
  if (!config.conditional) return { fixedNoise: rng.fillNormal(new Float32Array(config.sampleCount * config.latentSize)) };
  const columns = rng.fillNormal(new Float32Array(CONDITIONAL_COLUMNS * config.latentSize));
  const fixedNoise = new Float32Array(CONDITIONAL_CLASSES * columns.length);
  for (let row = 0; row < CONDITIONAL_CLASSES; row++) fixedNoise.set(columns, row * columns.length);
  return { fixedNoise, fixedLabels: Uint8Array.from({ length: CONDITIONAL_CLASSES * CONDITIONAL_COLUMNS }, (_, i) => Math.floor(i / CONDITIONAL_COLUMNS)) };
}

interface ResumeSource {
  runDir: string;
  config: ExperimentConfig;
  /** Absent when the run has no checkpoint yet: it starts again from step 0 in its own folder. */
  checkpoint?: LoadedCheckpoint;
  branch: boolean;
  manifest: RunManifest;
  /** Held when the run continues in its own folder. */
  lock?: RunLock;
}

function openResume(params: StartParams): ResumeSource {
  const resume = params.resume!;
  const run = readRun(resume.runDir);
  if (!run.ok) throw new ResumeRefused(run.error, 'Choose a run folder that holds a valid run.json.');
  const checkpoints = run.manifest.checkpoints;
  const latest = checkpoints[checkpoints.length - 1];
  const chosen = resume.checkpoint ? checkpoints.find((c) => c.id === resume.checkpoint) : latest;
  if (resume.checkpoint && !chosen) {
    throw new ResumeRefused(
      `Run "${run.manifest.name}" has no checkpoint "${resume.checkpoint}".`,
      checkpoints.length > 0 ? `Available: ${checkpoints.map((c) => c.id).join(', ')}.` : 'It has no checkpoint yet: resume it without choosing one to start it again from step 0.',
    );
  }
  const branch = chosen !== undefined && (resume.branch === true || chosen.id !== latest.id);
  // The trainer writes into samples/ and checkpoints/: they must be the run's own folders, not links out of it.
  for (const sub of [SAMPLES_DIR, CHECKPOINTS_DIR]) {
    const stat = fs.lstatSync(path.join(resume.runDir, sub), { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) {
      throw new ResumeRefused(`${path.join(resume.runDir, sub)} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; GAN Studio writes only into a run's own folders.`, 'Replace it with a plain folder (or branch the run from a copy) and resume again.');
    }
  }
  // Continuing in place: this process must own the run folder before reading what it will rewrite.
  let lock: RunLock | undefined;
  if (!branch) {
    try {
      lock = RunLock.acquire(resume.runDir);
    } catch (error) {
      if (error instanceof RunLockedError) throw new ResumeRefused(error.message, error.hint);
      throw error;
    }
  }
  try {
    const checkpoint = chosen ? loadCheckpoint(checkpointDir(resume.runDir, chosen.id)) : undefined;
    const { config, problems } = resolveConfig({ ...(checkpoint?.manifest.config ?? run.manifest.config), ...(resume.overrides ?? {}) });
    if (problems.length > 0) throw new ResumeRefused(`Invalid resume settings: ${problems.map((p) => p.message).join(' ')}`, 'Fix the settings and try again.');
    return { runDir: resume.runDir, config, checkpoint, branch, manifest: run.manifest, lock };
  } catch (error) {
    lock?.release();
    if (error instanceof CheckpointError) throw new ResumeRefused(error.message, error.hint);
    throw error;
  }
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
    const writer = RunWriter.create(params.runsRoot, config, v, initialProgress, null, params.sweep);
    writer.update({ backend });
    return writer;
  }
  if (!resumed.branch) {
    const writer = RunWriter.reopen(resumed.runDir, resumed.manifest, state.step, config, v, resumed.lock!);
    writer.update({ backend, progress: initialProgress, ...(resumed.checkpoint ? {} : { checkpoints: [], error: null }) });
    return writer;
  }
  const source = resumed.checkpoint!;
  // Branch: a new run that starts with the parent's history up to the checkpoint.
  const step = state.step;
  const branchConfig = { ...config, name: params.resume?.overrides?.name ?? `${config.name} (from step ${step})` };
  const writer = RunWriter.create(path.dirname(resumed.runDir), branchConfig, v, initialProgress, {
    runId: resumed.manifest.id,
    checkpoint: source.manifest.id,
    step,
  });
  const from = resumed.runDir;
  for (const record of readMetrics(from).records.filter((r) => r.step <= step)) appendLine(path.join(writer.dir, METRICS_FILE), JSON.stringify(record));
  const samples = resumed.manifest.samples.filter((s) => s.step <= step);
  // Only regular files are copied (never what a symlink planted in the parent points to).
  const copyRegular = (src: string, dest: string) => {
    if (fs.lstatSync(src, { throwIfNoEntry: false })?.isFile()) fs.copyFileSync(src, dest);
  };
  for (const file of [REAL_GRID_FILE, ...samples.map((s) => s.file)]) copyRegular(path.join(from, file), path.join(writer.dir, file));
  const checkpointId = source.manifest.id; // validated: "step-NNNNNN", the name of the folder it was read from
  writeDirAtomic(path.join(writer.dir, CHECKPOINTS_DIR, checkpointId), (temp) => {
    for (const file of [CHECKPOINT_MANIFEST, CHECKPOINT_TENSORS]) copyRegular(path.join(from, CHECKPOINTS_DIR, checkpointId, file), path.join(temp, file));
  });
  const checkpoint = resumed.manifest.checkpoints.find((c) => c.id === checkpointId)!;
  writer.update({ backend, samples, checkpoints: [checkpoint] });
  return writer;
}
