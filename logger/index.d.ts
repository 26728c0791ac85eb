/**
 * Types of `require('gan-studio/logger')` (dist/logger.js, built from src/logger/index.ts; a unit
 * test checks that the implementation matches these declarations). The same API as the Python
 * logger: see docs/bring-your-own-gan.md.
 */

/** A batch of images: a tf.Tensor (NHWC, as TensorFlow.js lays images out), or values with their shape, or nested arrays. */
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
  /** run.json is rewritten at least this often while the script runs (default 10). */
  heartbeatSec?: number;
  /** Where warnings go (default: console.warn). */
  onWarning?: (message: string) => void;
  /** Layout of 4-D image arrays: 'auto' (default) tells NHWC from NCHW by where the channel axis of 1 or 3 is. */
  layout?: 'auto' | 'NHWC' | 'NCHW';
}

export interface LogValues {
  lossD?: number | null;
  lossG?: number | null;
  /** Mean D(x) on the real batch. */
  dReal?: number | null;
  /** Mean D(G(z)) before the D update. */
  dFake?: number | null;
  /** Mean D(G(z)) after the D update. */
  dFakeAfter?: number | null;
  epoch?: number;
  batch?: number;
  loss_d?: number;
  loss_g?: number;
  d_x?: number;
  d_g_z?: number;
  d_g_z2?: number;
}

export interface ExternalRun {
  readonly dir: string;
  readonly id: string;
  log(step: number, values: LogValues): void;
  logGrid(step: number, images: ImageBatch, epoch?: number): void;
  logRealGrid(images: ImageBatch): void;
  checkpoint(step: number, options?: { generatorOnnx?: string; epoch?: number; reason?: 'epoch' | 'request' | 'stop' | 'final' }): void;
  finish(status?: 'completed' | 'stopped' | 'failed', error?: string): void;
}

export const LOGGER_VERSION: string;
export function init(options?: InitOptions): ExternalRun;
