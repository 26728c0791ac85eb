/**
 * GAN Studio's logger for JavaScript and TensorFlow.js training loops (bundled to dist/logger.js,
 * `require('gan-studio/logger')`): the same API as the Python logger (python/gan_studio.py), built
 * on the trainer's own RunWriter, so the folder is exactly what GAN Studio's trainer writes, marked
 * as external in run.json. Every method is cheap and never throws into the training loop: a
 * problem is reported once (console.warn, or `onWarning`) and the run goes on.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeDirAtomic } from '../common/atomicFile';
import { presetConfig, resolveConfig, type ExperimentConfig } from '../protocol/experimentConfig';
import {
  CHECKPOINT_MANIFEST,
  CHECKPOINTS_DIR,
  checkpointId,
  type CheckpointReason,
  type ExternalRunInfo,
  type MetricRecord,
  type RunStatus,
  RUN_FORMAT_VERSION,
} from '../protocol/runFormat';
import { makeGrid } from '../trainer/image/grid';
import { RunWriter } from '../trainer/runWriter';

export const LOGGER_VERSION = '1';

/** A batch of images: a tf.Tensor (NHWC, as TensorFlow.js lays images out), or values with their shape. */
export type ImageBatch =
  | { shape: number[]; dataSync(): ArrayLike<number> }
  | { shape: number[]; data: ArrayLike<number> }
  | number[][][][]
  | number[][][];

export interface InitOptions {
  name?: string;
  /** Your hyperparameters; batchSize, learningRate, latentSize, epochs, seed... (or batch_size, lr, nz...) are recognised. */
  config?: Record<string, unknown>;
  /** Runs root (default: $GAN_STUDIO_RUNS or .gan-studio/runs). */
  root?: string;
  totalSteps?: number;
  stepsPerEpoch?: number;
  batchSize?: number;
  heartbeatSec?: number;
  /** Where warnings go (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Layout of 4-D image arrays: 'auto' (default) tells NHWC from NCHW by where the channel axis of 1 or 3 is. */
  layout?: 'auto' | 'NHWC' | 'NCHW';
}

export interface LogValues {
  lossD?: number | null;
  lossG?: number | null;
  /** Mean D(x) on the real batch (Python: d_x). */
  dReal?: number | null;
  /** Mean D(G(z)) before the D update (Python: d_g_z). */
  dFake?: number | null;
  /** Mean D(G(z)) after the D update. */
  dFakeAfter?: number | null;
  epoch?: number;
  batch?: number;
}

const ALIASES: Record<string, keyof ExperimentConfig> = {
  seed: 'seed',
  epochs: 'epochs',
  num_epochs: 'epochs',
  max_steps: 'maxSteps',
  maxsteps: 'maxSteps',
  batch_size: 'batchSize',
  batchsize: 'batchSize',
  lr: 'learningRate',
  learning_rate: 'learningRate',
  learningrate: 'learningRate',
  beta1: 'beta1',
  beta2: 'beta2',
  nz: 'latentSize',
  latent_size: 'latentSize',
  latentsize: 'latentSize',
  latent_dim: 'latentSize',
  feature_size: 'featureSize',
  featuresize: 'featureSize',
  ngf: 'featureSize',
  log_every: 'logEvery',
  sample_every: 'sampleEvery',
};

/** Maps the user's config onto a complete, valid GAN Studio config; values that do not fit are left at the defaults. */
export function ganStudioConfig(name: string, user: Record<string, unknown>): ExperimentConfig {
  let config: ExperimentConfig = { ...presetConfig('reference'), name };
  for (const [key, value] of Object.entries(user)) {
    const field = ALIASES[key.toLowerCase()];
    if (!field) continue;
    const next = resolveConfig({ [field]: value }, config);
    if (next.problems.length === 0) config = next.config;
  }
  return config;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Values and shape [N, C, H, W] of a batch, whatever form it came in. */
export function batchToNchw(images: ImageBatch, layout: InitOptions['layout'] = 'auto'): { values: Float32Array; shape: [number, number, number, number] } {
  let shape: number[];
  let values: Float32Array;
  if (Array.isArray(images)) {
    shape = [];
    for (let probe: unknown = images; Array.isArray(probe); probe = probe[0]) shape.push(probe.length);
    const flat = (images as unknown[]).flat(3) as number[];
    if (flat.length !== shape.reduce((a, b) => a * b, 1)) throw new Error('images are ragged: every image must have the same shape');
    values = Float32Array.from(flat);
  } else {
    shape = [...images.shape];
    values = Float32Array.from('dataSync' in images ? images.dataSync() : images.data);
  }
  if (shape.length === 3) shape = [shape[0], 1, shape[1], shape[2]];
  if (shape.length !== 4) throw new Error(`images must be a batch N x H x W x C (or N x C x H x W), not shape [${shape.join(', ')}]`);
  const [n, a, b, c] = shape;
  const nhwc = layout === 'NHWC' || (layout === 'auto' && (c === 1 || c === 3) && a === b && !((a === 1 || a === 3) && b === c));
  if (!nhwc) return { values, shape: [n, a, b, c] };
  const out = new Float32Array(values.length);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < a; y++)
      for (let x = 0; x < b; x++)
        for (let ch = 0; ch < c; ch++) out[((i * c + ch) * a + y) * b + x] = values[((i * a + y) * b + x) * c + ch];
  return { values: out, shape: [n, c, a, b] };
}

/** One grey image per batch item (channels averaged), ready for makeGrid. */
function toGray(values: Float32Array, shape: [number, number, number, number]): { gray: Float32Array; size: number; count: number } {
  const [n, c, h, w] = shape;
  if (h !== w) throw new Error(`images must be square, not ${h}x${w}`);
  const area = h * w;
  const gray = new Float32Array(n * area);
  for (let i = 0; i < n; i++) for (let p = 0; p < area; p++) {
    let sum = 0;
    for (let ch = 0; ch < c; ch++) sum += values[(i * c + ch) * area + p];
    gray[i * area + p] = sum / c;
  }
  return { gray, size: h, count: n };
}

export class ExternalRun {
  private readonly warned = new Set<string>();
  private readonly t0 = Date.now();
  private lastLog: { time: number; step: number } | undefined;
  private finished = false;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly onExit = () => this.finish(this.totalSteps && this.writer.manifest.progress.step < this.totalSteps ? 'stopped' : 'completed');

  constructor(
    private readonly writer: RunWriter,
    private readonly options: InitOptions,
    private readonly batchSize: number,
    private readonly totalSteps: number | undefined,
    private readonly stepsPerEpoch: number | undefined,
  ) {
    const heartbeatSec = writer.manifest.external!.heartbeatSec;
    this.heartbeat = setInterval(() => this.safely('heartbeat', () => this.writer.save()), heartbeatSec * 1000);
    this.heartbeat.unref();
    process.once('exit', this.onExit);
  }

  get dir(): string {
    return this.writer.dir;
  }

  get id(): string {
    return this.writer.manifest.id;
  }

  log(step: number, values: LogValues & { loss_d?: number; loss_g?: number; d_x?: number; d_g_z?: number; d_g_z2?: number }): void {
    this.safely('log', () => {
      const now = Date.now();
      const epoch = this.epochOf(step, values.epoch);
      const rate = this.lastLog && step > this.lastLog.step && now > this.lastLog.time ? ((step - this.lastLog.step) * this.batchSize * 1000) / (now - this.lastLog.time) : null;
      this.lastLog = { time: now, step };
      const dFake = finite(values.dFake ?? values.d_g_z);
      const record = {
        step,
        epoch,
        batch: values.batch ?? (this.stepsPerEpoch ? step - epoch * this.stepsPerEpoch : step),
        lossD: finite(values.lossD ?? values.loss_d),
        lossG: finite(values.lossG ?? values.loss_g),
        dReal: finite(values.dReal ?? values.d_x),
        dFake,
        dFakeAfter: finite(values.dFakeAfter ?? values.d_g_z2) ?? dFake,
        imagesPerSec: rate,
        elapsedSec: (now - this.t0) / 1000,
        time: now,
      } as unknown as MetricRecord;
      this.writer.appendMetric(record, this.progress(step, epoch, rate));
    });
  }

  logGrid(step: number, images: ImageBatch, epoch?: number): void {
    this.safely('logGrid', () => {
      const { gray, size, count } = this.gray(images);
      const e = this.epochOf(step, epoch);
      const m = this.writer.manifest;
      m.external!.imageSize = size;
      if (count <= 256) m.config.sampleCount = count;
      m.progress = this.progress(step, e, undefined);
      this.writer.writeSample(step, e, makeGrid(gray, size));
    });
  }

  logRealGrid(images: ImageBatch): void {
    this.safely('logRealGrid', () => {
      const { gray, size, count } = this.gray(images);
      const x = this.writer.manifest.external!;
      x.realCount = count;
      x.imageSize ??= size;
      this.writer.writeRealGrid(makeGrid(gray, size));
      this.writer.save();
    });
  }

  /** Records a checkpoint; `generatorOnnx`: an ONNX generator file copied into the checkpoint folder. */
  checkpoint(step: number, options: { generatorOnnx?: string; epoch?: number; reason?: CheckpointReason } = {}): void {
    this.safely('checkpoint', () => {
      const id = checkpointId(step);
      const epoch = this.epochOf(step, options.epoch);
      const time = new Date().toISOString();
      const m = this.writer.manifest;
      writeDirAtomic(path.join(this.writer.dir, CHECKPOINTS_DIR, id), (temp) => {
        if (options.generatorOnnx) fs.copyFileSync(options.generatorOnnx, path.join(temp, 'generator.onnx'));
        const manifest = {
          formatVersion: RUN_FORMAT_VERSION,
          runId: m.id,
          id,
          step,
          epoch,
          reason: options.reason ?? 'request',
          time,
          config: m.config,
          datasetSize: 0,
          rng: [],
          optimizerSteps: { G: step, D: step },
          elapsedSec: (Date.now() - this.t0) / 1000,
          tensors: [],
          external: true,
          generator: options.generatorOnnx ? { format: 'onnx', file: 'generator.onnx', latentSize: m.config.latentSize } : null,
        };
        fs.writeFileSync(path.join(temp, CHECKPOINT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      });
      this.writer.addCheckpoint({ id, step, epoch, reason: options.reason ?? 'request', time, ...(options.generatorOnnx ? { generator: 'onnx' as const } : {}) }, this.writer.manifest.progress);
    });
  }

  finish(status: Exclude<RunStatus, 'running'> = 'completed', error?: string): void {
    if (this.finished) return;
    this.safely('finish', () => {
      this.finished = true;
      clearInterval(this.heartbeat);
      process.removeListener('exit', this.onExit);
      const p = { ...this.writer.manifest.progress, etaSec: null, elapsedSec: (Date.now() - this.t0) / 1000 };
      if (status === 'completed' && !this.totalSteps) p.totalSteps = p.step;
      this.writer.finish(status, p, status === 'failed' ? { message: error ?? 'The training script failed.', hint: "See your script's output." } : null);
      this.writer.release();
    });
  }

  private gray(images: ImageBatch) {
    const { values, shape } = batchToNchw(images, this.options.layout);
    return toGray(values, shape);
  }

  private epochOf(step: number, epoch: number | undefined): number {
    if (epoch !== undefined) return epoch;
    return this.stepsPerEpoch ? Math.floor(step / this.stepsPerEpoch) : this.writer.manifest.progress.epoch;
  }

  private progress(step: number, epoch: number, rate: number | null | undefined) {
    const p = { ...this.writer.manifest.progress };
    p.step = Math.max(p.step, step + 1);
    p.epoch = epoch;
    p.totalSteps = Math.max(this.totalSteps ?? 0, p.step);
    p.stepsPerEpoch = this.stepsPerEpoch ?? (epoch > 0 ? Math.ceil(p.step / (epoch + 1)) : p.totalSteps);
    p.elapsedSec = (Date.now() - this.t0) / 1000;
    if (rate !== undefined) {
      p.imagesPerSec = rate;
      p.etaSec = rate && this.totalSteps ? ((p.totalSteps - p.step) * this.batchSize) / rate : null;
    }
    return p;
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (this.warned.has(what)) return;
      this.warned.add(what);
      (this.options.onWarning ?? console.warn)(`gan-studio logger: ${what} failed (${(error as Error).message}); training goes on, but GAN Studio may not show everything.`);
    }
  }
}

/** Creates a run folder and returns its logger. Throws only here, when the folder cannot be created. */
export function init(options: InitOptions = {}): ExternalRun {
  const name = options.name ?? (typeof options.config?.name === 'string' ? options.config.name : 'external');
  const config = ganStudioConfig(name, options.config ?? {});
  const root = options.root ?? process.env.GAN_STUDIO_RUNS ?? path.join('.gan-studio', 'runs');
  const batchSize = options.batchSize ?? config.batchSize;
  const heartbeatSec = options.heartbeatSec ?? 10;
  const progress = {
    step: 0,
    epoch: 0,
    totalSteps: options.totalSteps ?? 0,
    stepsPerEpoch: options.stepsPerEpoch ?? options.totalSteps ?? 0,
    imagesPerSec: null,
    etaSec: null,
    elapsedSec: 0,
  };
  const external: ExternalRunInfo = {
    logger: 'gan-studio/logger',
    loggerVersion: LOGGER_VERSION,
    language: 'javascript',
    framework: tfjsVersion(),
    heartbeatSec,
    imageSize: null,
    realCount: null,
    userConfig: JSON.parse(JSON.stringify(options.config ?? {})) as Record<string, unknown>,
  };
  fs.mkdirSync(root, { recursive: true });
  const writer = RunWriter.create(root, config, { ganStudioLogger: `javascript ${LOGGER_VERSION}`, node: process.version, platform: `${os.platform()}-${os.arch()}` }, progress);
  writer.update({ external });
  return new ExternalRun(writer, options, batchSize, options.totalSteps, options.stepsPerEpoch);
}

/** The TensorFlow.js the user's project has installed (resolved from the working folder, not bundled). */
function tfjsVersion(): string | null {
  const projectRequire = createRequire(path.join(process.cwd(), 'package.json'));
  for (const name of ['@tensorflow/tfjs-core', '@tensorflow/tfjs']) {
    try {
      return `TensorFlow.js ${(projectRequire(`${name}/package.json`) as { version: string }).version}`;
    } catch {
      // not installed
    }
  }
  return null;
}
