/**
 * JSON-RPC between the extension host (client) and the generator child process (server,
 * `dist/generator.js`), over the child's IPC channel: load a checkpoint's generator once, then
 * render latents, save grids and export the generator as a TensorFlow.js or ONNX model. Every message is
 * declared here once; docs/protocol.md describes the flow. Tensors travel as base64 text
 * (src/protocol/binary.ts). Failures are ResponseErrors whose data is a RunError (message, hint).
 */
import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { BackendChoice } from './experimentConfig';
import type { PixelMapping } from './gridLayout';
import type { BackendReport, RunError } from './runFormat';

/**
 * How the generator treats BatchNorm:
 * - `eval`: running statistics, so every image depends only on its own latent (PyTorch's eval()).
 * - `train`: statistics of the batch being rendered, as the sample grids are rendered (the seed
 *   lesson calls G in training mode); each image then depends on the rest of the batch.
 */
export type BatchNormMode = 'eval' | 'train';

export interface GeneratorLoadParams {
  /** A checkpoint folder: `<run>/checkpoints/step-000469`. */
  checkpointDir: string;
  backend: BackendChoice;
}

export interface GeneratorInfo {
  runId: string;
  checkpointId: string;
  /** Iterations completed (src/protocol/steps.ts). */
  step: number;
  /** Epochs completed, fractional: step / steps per epoch. */
  epoch: number;
  latentSize: number;
  featureSize: number;
  /** Generated images are imageSize x imageSize with `channels` channels. */
  imageSize: number;
  channels: number;
  /** The run's fixed noise (the latents of its sample grids), base64 float32 [sampleCount x latentSize]. */
  fixedNoise: string;
  sampleCount: number;
  /** The run's seed. */
  seed: number;
  backend: BackendReport;
  /** A conditional generator's class names, by label (absent: unconditional). */
  classNames?: string[];
}

export interface LatentsParams {
  seed: number;
  count: number;
}

export interface RenderParams {
  /** base64 float32 [count x latentSize]. */
  latents: string;
  batchNorm: BatchNormMode;
  /**
   * A conditional generator's classes: base64 float32 [count x classes], one-hot rows or mixtures
   * of classes (an interpolation between class embeddings). Absent: latent i asks for class
   * floor(i / 8) mod classes, the rows of the run's grids. An unconditional generator refuses them.
   */
  classes?: string;
}

export interface RenderResult {
  /** base64 float32 [count x imageSize x imageSize x channels], the generator's tanh outputs in [-1, 1]. */
  images: string;
  count: number;
  /** Time spent in the generator, milliseconds. */
  computeMs: number;
}

export interface SaveGridParams extends RenderParams {
  /** PNG file to write (atomically). */
  file: string;
  mapping: PixelMapping;
  columns: number;
  /** tEXt chunks, e.g. the checkpoint and seed. */
  text: Record<string, string>;
}

/** What "Export Generator" writes: a TensorFlow.js Layers model or an ONNX model (opset 17). */
export type ExportFormat = 'tfjs' | 'onnx';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['tfjs', 'onnx'];

export interface ExportParams {
  /** Default 'tfjs'. */
  format?: ExportFormat;
  /** Folder to create; it must not exist unless `replace`. */
  outDir: string;
  replace: boolean;
  /** Shown in the README, e.g. the run's name. */
  title: string;
}

export interface ExportResult {
  outDir: string;
  /** File names written into outDir. */
  files: string[];
  latentSize: number;
  /** One image: [height, width, channels] for 'tfjs' (NHWC), [channels, height, width] for 'onnx' (NCHW). */
  outputShape: number[];
}

/** Maximum images one render may ask for. */
export const MAX_RENDER_COUNT = 256;

export const LoadRequest = new RequestType<GeneratorLoadParams, GeneratorInfo, RunError>('generator/load');
/** Standard normal latents from GAN Studio's seeded generator; a prefix of a longer batch with the same seed. */
export const LatentsRequest = new RequestType<LatentsParams, { latents: string }, RunError>('generator/latents');
export const RenderRequest = new RequestType<RenderParams, RenderResult, RunError>('generator/render');
export const SaveGridRequest = new RequestType<SaveGridParams, { file: string; width: number; height: number }, RunError>('generator/saveGrid');
export const ExportRequest = new RequestType<ExportParams, ExportResult, RunError>('generator/export');
/** Releases the model and exits 0. */
export const ShutdownRequest = new RequestType0<void, void>('generator/shutdown');

/** Error codes of the generator's ResponseErrors. */
export const GENERATOR_ERRORS = {
  notLoaded: -32010,
  badCheckpoint: -32011,
  badRequest: -32012,
  failed: -32013,
} as const;
