/**
 * A checkpoint's generator, loaded for inference: the run's DCGAN built from the checkpoint's
 * config, its variables restored (restoreModel), rendering latents in either BatchNorm mode
 * without touching the running statistics. Used by the generator process (playground, export).
 */
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, imageChannels } from '../protocol/experimentConfig';
import { datasetClassNames } from '../trainer/data/datasets';
import { CONDITIONAL_COLUMNS } from '../protocol/experimentConfig';
import type { BatchNormMode } from '../protocol/generatorProtocol';
import { architectureOf, buildDcgan, Dcgan, latentTensor } from '../trainer/model/dcgan';
import { Rng, RNG_STREAMS } from '../trainer/rng';
import { CheckpointError, LoadedCheckpoint, hasGeneratorEma, loadCheckpoint, restoreModel } from '../trainer/train/checkpoint';

/** A problem with the checkpoint, told the way a playground or export user can act on it. */
export class GeneratorLoadError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'GeneratorLoadError';
  }
}

const FIXED_NOISE = 'fixed_noise';

export class LoadedGenerator {
  private constructor(
    readonly checkpoint: LoadedCheckpoint,
    private readonly model: Dcgan,
    readonly fixedNoise: Float32Array,
  ) {}

  /** Reads and checks a checkpoint folder; throws GeneratorLoadError naming the problem and the fix. */
  static load(checkpointDir: string): LoadedGenerator {
    let checkpoint: LoadedCheckpoint;
    try {
      checkpoint = loadCheckpoint(checkpointDir);
    } catch (error) {
      throw new GeneratorLoadError(
        (error as Error).message,
        'This checkpoint is damaged or incomplete. Open another checkpoint of the run (each epoch saves one), or resume the run to write a new one.',
      );
    }
    const { config } = checkpoint.manifest;
    const missing = ['G/0/weight', FIXED_NOISE].filter((name) => !checkpoint.tensors.has(name));
    if (missing.length > 0) {
      throw new GeneratorLoadError(
        `Checkpoint ${checkpoint.manifest.id} has no ${missing.join(' or ')}: it was not written by GAN Studio's DCGAN.`,
        'Open a checkpoint from a GAN Studio run (a folder under <run>/checkpoints/).',
      );
    }
    // The weights stream only initialises the variables, which the checkpoint then overwrites.
    const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights), architectureOf(config));
    try {
      restoreModel(model, checkpoint, hasGeneratorEma(checkpoint)); // a gEma run: the averaged G, as its grids show
    } catch (error) {
      model.generator.dispose();
      model.discriminator.dispose();
      if (error instanceof CheckpointError) {
        throw new GeneratorLoadError(
          `${error.message} Its config describes a DCGAN with latent size ${config.latentSize} and width ${config.featureSize}, but the tensors are of another architecture.`,
          'The checkpoint was written by another model or a different version of GAN Studio; open it with the version that wrote it, or pick a checkpoint of a run trained with this one.',
        );
      }
      throw error;
    }
    const fixedNoise = checkpoint.tensors.get(FIXED_NOISE)!;
    if (fixedNoise.length % config.latentSize !== 0) {
      throw new GeneratorLoadError(
        `Checkpoint ${checkpoint.manifest.id} has fixed noise of ${fixedNoise.length} values, not a whole number of latent vectors of ${config.latentSize}.`,
        'The checkpoint is damaged; open another checkpoint of the run.',
      );
    }
    // The discriminator is not needed for generating.
    model.discriminator.dispose();
    return new LoadedGenerator(checkpoint, model, fixedNoise);
  }

  get latentSize(): number {
    return this.model.latentSize;
  }

  get imageSize(): number {
    return this.model.imageSize ?? IMAGE_SIZE;
  }

  /** Classes of a conditional generator (0: unconditional). */
  get classes(): number {
    return this.model.classes ?? 0;
  }

  /** The names of the classes a conditional generator takes, in label order (its data set's). */
  get classNames(): string[] {
    return datasetClassNames(this.checkpoint.manifest.config.dataset).slice(0, this.classes);
  }

  get channels(): number {
    return imageChannels(this.checkpoint.manifest.config);
  }

  /**
   * The generator's tanh outputs for `latents` ([count x latentSize]), NHWC, in [-1, 1]. A
   * conditional generator takes `classes` ([count x classes]: one-hot rows, or mixtures of them for
   * an interpolation between class embeddings); without them latent i asks for class
   * floor(i / 8) mod classes, the rows of the run's grids.
   */
  async render(latents: Float32Array, mode: BatchNormMode, classes?: Float32Array): Promise<Float32Array> {
    if (latents.length === 0 || latents.length % this.latentSize !== 0) {
      throw new RangeError(`${latents.length} values are not whole latent vectors of ${this.latentSize}`);
    }
    const count = latents.length / this.latentSize;
    const k = this.classes;
    if (classes && (k === 0 || classes.length !== count * k)) {
      throw new RangeError(k === 0 ? 'This generator is not conditional: it takes no classes.' : `${classes.length} class values are not ${count} rows of ${k}`);
    }
    // 'train-recompute': batch statistics without updating the running ones, so rendering in
    // train mode never changes what eval mode shows.
    const images = tf.tidy(() => {
      const classTensor = k === 0 ? undefined : tf.tensor2d(classes ?? rowClasses(count, k), [count, k]);
      return this.model.generator.forward(latentTensor(latents, this.latentSize), mode === 'eval' ? 'eval' : 'train-recompute', classTensor);
    });
    try {
      return (await images.data()) as Float32Array;
    } finally {
      images.dispose();
    }
  }

  dispose(): void {
    this.model.generator.dispose();
  }
}

/** One-hot classes for `count` latents: latent i asks for class floor(i / 8) mod `classes` (a conditional run's grid rows). */
export function rowClasses(count: number, classes: number): Float32Array {
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) out[i * classes + (Math.floor(i / CONDITIONAL_COLUMNS) % classes)] = 1;
  return out;
}

/** Standard normal latents from GAN Studio's seeded generator; the first k of any count agree. */
export function seededLatents(seed: number, count: number, latentSize: number): Float32Array {
  return new Rng(seed, 0).fillNormal(new Float32Array(count * latentSize));
}
