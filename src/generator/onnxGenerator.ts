/**
 * The generator of an external run (docs/run-format.md, "External runs"): an ONNX file the user's
 * script exported (torch.onnx.export(G, z, path)), run with onnxruntime-node in the generator
 * process, for the playground. z is [N, latentSize, 1, 1] (or [N, latentSize]); the output
 * [N, C, H, W] in [-1, 1]. The network renders as exported (usually eval mode): the playground's
 * BatchNorm switch does not change it.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { BatchNormMode } from '../protocol/generatorProtocol';
import { CHECKPOINT_MANIFEST, type CheckpointManifest, type ExternalGenerator, parseCheckpointManifest } from '../protocol/runFormat';
import { GeneratorLoadError, LoadedGenerator, seededLatents } from './loadedGenerator';

/** The parts of onnxruntime-node's API used here. */
interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(file: string, options?: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

function loadOrt(): Ort {
  try {
    return createRequire(__filename)('onnxruntime-node') as Ort;
  } catch (error) {
    throw new GeneratorLoadError(
      `onnxruntime-node cannot be loaded here (${(error as Error).message.split('\n')[0]}), and this run's generator is an ONNX file.`,
      'Reinstall GAN Studio (the .vsix carries onnxruntime-node for Linux, macOS and Windows on x64 and arm64).',
    );
  }
}

/** Images in the playground's fixed-noise grid of an external run (it has no fixed noise of its own). */
export const ONNX_SAMPLE_COUNT = 64;

export class OnnxGenerator {
  private rank4 = true;
  /** The exported network's output shape for one latent, [1, C, H, W] (render() averages C to grey). */
  outputDims: readonly number[] = [];

  private constructor(
    readonly checkpoint: { manifest: CheckpointManifest; tensors: Map<string, Float32Array> },
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly latentSize: number,
    readonly fixedNoise: Float32Array,
    public imageSize: number,
    public channels: number,
  ) {}

  static async load(checkpointDir: string, manifest: CheckpointManifest, generator: ExternalGenerator): Promise<OnnxGenerator> {
    const file = path.join(checkpointDir, generator.file);
    if (!fs.existsSync(file)) {
      throw new GeneratorLoadError(`The checkpoint names ${generator.file} as its generator, but ${file} is missing.`, 'Log the checkpoint again with run.checkpoint(step, generator_onnx=path).');
    }
    const ort = loadOrt();
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'all' });
    } catch (error) {
      throw new GeneratorLoadError(`${file} is not an ONNX model onnxruntime can run: ${(error as Error).message}`, 'Export the generator with torch.onnx.export(G, z, path) (z of shape [1, latent, 1, 1]) and log it again.');
    }
    const latentSize = generator.latentSize || manifest.config.latentSize;
    const g = new OnnxGenerator({ manifest, tensors: new Map() }, ort, session, latentSize, seededLatents(manifest.config.seed, ONNX_SAMPLE_COUNT, latentSize), 0, 0);
    // One latent tells the image size and channels (and whether z is [N, latent, 1, 1] or [N, latent]).
    const probe = await g.run(new Float32Array(latentSize)).catch(async () => {
      g.rank4 = false;
      return g.run(new Float32Array(latentSize));
    }).catch(async (error: Error) => {
      await session.release();
      throw new GeneratorLoadError(`The ONNX generator does not take latents of ${latentSize} values: ${error.message}`, 'Check the latent size (config "nz" or "latent_size") and the input shape of the exported generator.');
    });
    if (probe.dims.length !== 4 || probe.dims[2] !== probe.dims[3]) {
      await session.release();
      throw new GeneratorLoadError(`The ONNX generator outputs shape [${probe.dims.join(', ')}], not square images [N, C, H, W].`, 'Export the generator itself (images out), not the discriminator or the whole GAN.');
    }
    g.outputDims = [...probe.dims];
    g.channels = 1; // rendered in grey, like the run's grids
    g.imageSize = probe.dims[2];
    return g;
  }

  private async run(latents: Float32Array): Promise<OrtTensor> {
    const count = latents.length / this.latentSize;
    const input = new this.ort.Tensor('float32', latents, this.rank4 ? [count, this.latentSize, 1, 1] : [count, this.latentSize]);
    const out = await this.session.run({ [this.session.inputNames[0]]: input });
    return out[this.session.outputNames[0]];
  }

  /** The generator's outputs for `latents`, one grey channel (colour channels averaged, as in the grids); `mode` cannot change an exported network. */
  async render(latents: Float32Array, _mode: BatchNormMode): Promise<Float32Array> {
    if (latents.length === 0 || latents.length % this.latentSize !== 0) {
      throw new RangeError(`${latents.length} values are not whole latent vectors of ${this.latentSize}`);
    }
    const { data, dims } = await this.run(latents);
    const [n, c, h, w] = dims;
    if (c === 1) return Float32Array.from(data);
    const area = h * w;
    const out = new Float32Array(n * area);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < area; p++) out[i * area + p] += data[(i * c + ch) * area + p] / c;
    return out;
  }

  dispose(): void {
    void this.session.release();
  }
}

/**
 * The generator of a checkpoint folder: GAN Studio's own (tensors.bin) or an external run's ONNX
 * file; a GeneratorLoadError that says what to do when it has neither.
 */
export async function loadAnyGenerator(checkpointDir: string): Promise<LoadedGenerator | OnnxGenerator> {
  let manifest: CheckpointManifest | undefined;
  try {
    manifest = parseCheckpointManifest(JSON.parse(fs.readFileSync(path.join(checkpointDir, CHECKPOINT_MANIFEST), 'utf8')));
  } catch {
    // LoadedGenerator.load says what is wrong with it.
  }
  if (manifest?.generator?.format === 'onnx') return OnnxGenerator.load(checkpointDir, manifest, manifest.generator);
  if (manifest && (manifest as { external?: unknown }).external) {
    throw new GeneratorLoadError(
      `Checkpoint ${manifest.id} of an external run has no generator to load.`,
      'Log one from your script: torch.onnx.export(G, z, "g.onnx"), then run.checkpoint(step, generator_onnx="g.onnx").',
    );
  }
  return LoadedGenerator.load(checkpointDir);
}
