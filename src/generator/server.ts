/**
 * The generator process's side of src/protocol/generatorProtocol.ts: one checkpoint's generator,
 * loaded on request, rendering latents for the playground, saving grids and exporting the model.
 * Every failure answers with a ResponseError whose data says what happened and what to do.
 */
import * as path from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc';
import { ResponseError } from 'vscode-jsonrpc';
import { writeFileAtomic } from '../common/atomicFile';
import { decodeFloat32, encodeFloat32 } from '../protocol/binary';
import {
  ExportRequest,
  GENERATOR_ERRORS,
  GeneratorInfo,
  LatentsRequest,
  LoadRequest,
  MAX_RENDER_COUNT,
  RenderParams,
  RenderRequest,
  SaveGridRequest,
  ShutdownRequest,
} from '../protocol/generatorProtocol';
import { composeGrid, toPixels } from '../protocol/gridLayout';
import { isValidSeed } from '../protocol/latent';
import { stepsPerEpoch } from '../protocol/experimentConfig';
import { epochsAt } from '../protocol/steps';
import type { BackendReport, RunError } from '../protocol/runFormat';
import { selectBackend } from '../trainer/backend/select';
import { encodePng } from '../trainer/image/png';
import { ganStudioVersion } from '../trainer/versions';
import { GeneratorLoadError, LoadedGenerator, seededLatents } from './loadedGenerator';
import { loadAnyGenerator, OnnxGenerator } from './onnxGenerator';
import { writeOnnxExport } from './onnxExport';
import { ExportError, writeTfjsExport } from './tfjsExport';

export interface GeneratorHooks {
  exit(code: number): void;
  log(line: string): void;
}

export interface GeneratorServerOptions {
  /** Extra folders in which to look for the optional native backends. */
  backendSearchPaths?: string[];
}

function fail(code: number, error: RunError): ResponseError<RunError> {
  return new ResponseError(code, error.message, error);
}

/** Turns any failure into a ResponseError carrying a RunError. */
function asResponseError(error: unknown): ResponseError<RunError> {
  if (error instanceof ResponseError) return error as ResponseError<RunError>;
  const e = error as Error & { hint?: string };
  if (error instanceof GeneratorLoadError) return fail(GENERATOR_ERRORS.badCheckpoint, { message: e.message, hint: e.hint });
  if (error instanceof ExportError) return fail(GENERATOR_ERRORS.failed, { message: e.message, hint: e.hint });
  return fail(GENERATOR_ERRORS.failed, {
    message: e instanceof Error ? e.message : String(error),
    hint: e.hint ?? 'This looks like a bug in GAN Studio; the GAN Studio output channel has the details.',
    detail: e instanceof Error ? e.stack : undefined,
  });
}

function handle<P, R>(run: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params) => {
    try {
      return await run(params);
    } catch (error) {
      throw asResponseError(error);
    }
  };
}

export function serveGenerator(connection: MessageConnection, hooks: GeneratorHooks, options: GeneratorServerOptions = {}): { shutdown(): void } {
  let generator: LoadedGenerator | OnnxGenerator | undefined;
  let backend: BackendReport | undefined;
  let exiting = false;

  const loaded = (): LoadedGenerator | OnnxGenerator => {
    if (!generator) throw fail(GENERATOR_ERRORS.notLoaded, { message: 'No checkpoint is loaded in this generator process.', hint: 'Send generator/load first.' });
    return generator;
  };

  const latentsOf = (params: RenderParams): Float32Array => {
    const g = loaded();
    let latents: Float32Array;
    try {
      latents = decodeFloat32(params.latents);
    } catch (error) {
      throw fail(GENERATOR_ERRORS.badRequest, { message: `The latents are not base64 float32: ${(error as Error).message}.` });
    }
    const count = latents.length / g.latentSize;
    if (!Number.isInteger(count) || count < 1 || count > MAX_RENDER_COUNT) {
      throw fail(GENERATOR_ERRORS.badRequest, { message: `${latents.length} values are not 1 to ${MAX_RENDER_COUNT} latent vectors of ${g.latentSize}.` });
    }
    if (!latents.every(Number.isFinite)) throw fail(GENERATOR_ERRORS.badRequest, { message: 'The latents contain values that are not finite numbers.' });
    if (params.batchNorm !== 'eval' && params.batchNorm !== 'train') throw fail(GENERATOR_ERRORS.badRequest, { message: `Unknown BatchNorm mode "${String(params.batchNorm)}".` });
    return latents;
  };

  /** The classes of a render of `count` latents (conditional generators), checked. */
  const classesOf = (params: RenderParams, count: number): Float32Array | undefined => {
    if (params.classes === undefined) return undefined;
    const g = loaded();
    const k = g instanceof LoadedGenerator ? g.classes : 0;
    if (k === 0) throw fail(GENERATOR_ERRORS.badRequest, { message: 'This generator is not conditional: it takes no classes.', hint: 'Render without classes, or load a checkpoint of a run trained with "conditional": true.' });
    let classes: Float32Array;
    try {
      classes = decodeFloat32(params.classes);
    } catch (error) {
      throw fail(GENERATOR_ERRORS.badRequest, { message: `The classes are not base64 float32: ${(error as Error).message}.` });
    }
    if (classes.length !== count * k || !classes.every(Number.isFinite)) throw fail(GENERATOR_ERRORS.badRequest, { message: `The classes must be ${count} rows of ${k} finite values, not ${classes.length} values.` });
    return classes;
  };

  const renderWith = (g: LoadedGenerator | OnnxGenerator, latents: Float32Array, params: RenderParams): Promise<Float32Array> => {
    const classes = classesOf(params, latents.length / g.latentSize);
    return g instanceof LoadedGenerator ? g.render(latents, params.batchNorm, classes) : g.render(latents, params.batchNorm);
  };

  connection.onRequest(
    LoadRequest,
    handle(async (params): Promise<GeneratorInfo> => {
      if (!backend) {
        backend = await selectBackend(params.backend, { searchPaths: options.backendSearchPaths });
        hooks.log(`Backend: ${backend.name} — ${backend.detail}`);
      }
      const next = await loadAnyGenerator(params.checkpointDir);
      generator?.dispose();
      generator = next;
      const { manifest } = next.checkpoint;
      hooks.log(`Loaded the generator of ${manifest.runId} at ${manifest.id} (step ${manifest.step}) from ${params.checkpointDir}`);
      return {
        runId: manifest.runId,
        checkpointId: manifest.id,
        step: manifest.step,
        epoch: epochsAt(manifest.step, stepsPerEpoch(manifest.config, manifest.datasetSize)),
        latentSize: next.latentSize,
        featureSize: manifest.config.featureSize,
        imageSize: next.imageSize,
        channels: next.channels,
        fixedNoise: encodeFloat32(next.fixedNoise),
        sampleCount: next.fixedNoise.length / next.latentSize,
        seed: manifest.config.seed,
        backend,
        ...(next instanceof LoadedGenerator && next.classes > 0 ? { classNames: next.classNames } : {}),
      };
    }),
  );

  connection.onRequest(
    LatentsRequest,
    handle(({ seed, count }) => {
      const g = loaded();
      if (!isValidSeed(seed)) throw fail(GENERATOR_ERRORS.badRequest, { message: `The seed must be a whole number from 0 to 4294967295, not ${seed}.` });
      if (!Number.isInteger(count) || count < 1 || count > MAX_RENDER_COUNT) throw fail(GENERATOR_ERRORS.badRequest, { message: `The batch size must be 1 to ${MAX_RENDER_COUNT}, not ${count}.` });
      return { latents: encodeFloat32(seededLatents(seed, count, g.latentSize)) };
    }),
  );

  connection.onRequest(
    RenderRequest,
    handle(async (params) => {
      const latents = latentsOf(params);
      const g = loaded();
      const started = performance.now();
      const images = await renderWith(g, latents, params);
      return { images: encodeFloat32(images), count: latents.length / g.latentSize, computeMs: performance.now() - started };
    }),
  );

  connection.onRequest(
    SaveGridRequest,
    handle(async (params) => {
      const latents = latentsOf(params);
      const g = loaded();
      if (!path.isAbsolute(params.file)) throw fail(GENERATOR_ERRORS.badRequest, { message: `Save needs an absolute file path, not "${params.file}".` });
      const pixels = toPixels(await renderWith(g, latents, params), params.mapping);
      const { geometry, pixels: grid } = composeGrid(pixels, g.imageSize, Math.max(1, Math.floor(params.columns)), undefined, g.channels);
      writeFileAtomic(params.file, encodePng(geometry.width, geometry.height, grid, g.channels, { Software: 'GAN Studio', ...params.text }));
      return { file: params.file, width: geometry.width, height: geometry.height };
    }),
  );

  connection.onRequest(
    ExportRequest,
    handle((params) => {
      const g = loaded();
      if (g instanceof OnnxGenerator) {
        throw fail(GENERATOR_ERRORS.badRequest, {
          message: 'This checkpoint belongs to an external run: its generator is already the ONNX file your script exported, and Export Generator converts GAN Studio checkpoints only.',
          hint: `Use the ONNX file in the checkpoint folder directly (onnxruntime-web or onnxruntime-node).`,
        });
      }
      if (!path.isAbsolute(params.outDir)) throw fail(GENERATOR_ERRORS.badRequest, { message: `Export needs an absolute folder path, not "${params.outDir}".` });
      const { manifest, tensors } = g.checkpoint;
      const format = params.format ?? 'tfjs';
      if (format !== 'tfjs' && format !== 'onnx') throw fail(GENERATOR_ERRORS.badRequest, { message: `Unknown export format "${String(format)}".`, hint: 'Use "tfjs" or "onnx".' });
      const write = format === 'onnx' ? writeOnnxExport : writeTfjsExport;
      const { files, outputShape } = write(params.outDir, params.replace, params.title, manifest, tensors, ganStudioVersion());
      hooks.log(`Exported the generator of ${manifest.runId} at ${manifest.id} as ${format} to ${params.outDir}`);
      return { outDir: params.outDir, files, latentSize: g.latentSize, outputShape };
    }),
  );

  const shutdown = (): void => {
    if (exiting) return;
    exiting = true;
    generator?.dispose();
    generator = undefined;
    hooks.exit(0);
  };
  connection.onRequest(ShutdownRequest, () => {
    // Answer first, then exit.
    setImmediate(shutdown);
  });
  return { shutdown };
}
