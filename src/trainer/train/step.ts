/**
 * One iteration of the seed's training loop:
 *  1. D step: BCE(D(x), 1) + BCE(D(G(z).detach()), 0), one Adam step on D;
 *  2. G step on the same z: BCE(D(G(z)), 1) (non-saturating), one Adam step on G.
 * BCE is computed from D's logits (log-sigmoid), clamped at 100 like PyTorch's BCELoss.
 * StepOptions change the loss (losses.ts), add D steps, label smoothing and instance noise; the
 * defaults are exactly the seed's computation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, IMAGE_CHANNELS, LossChoice } from '../../protocol/experimentConfig';
import { classTensor, Dcgan, imageSizeOf, latentTensor } from '../model/dcgan';
import type { Rng } from '../rng';
import { discriminatorLoss, generatorLoss } from './losses';

export { BCE_CLAMP, bceWithLogits } from './losses';

/** PyTorch's Adam default; TensorFlow.js would otherwise use 1e-7. */
export const ADAM_EPSILON = 1e-8;

/** The loss and stabilisers of one iteration (see experimentConfig.ts); absent fields are the seed's. */
export interface StepOptions {
  loss?: LossChoice;
  labelSmoothing?: number;
  /** D updates per G update; the extra ones (before the usual one) use the same real batch and fresh noise. */
  dSteps?: number;
  /** Standard deviation of the Gaussian noise added to every input of D in this iteration. */
  instanceNoise?: number;
  /** The trainer's seeded generator: noise of the extra D steps and instance noise come from it. Required when either is on. */
  rng?: Rng;
  /**
   * Class labels of a conditional model: `real`, the labels of the real batch (from the data set),
   * and `fake`, the labels G is asked for (one per noise vector). Extra D steps draw theirs from `rng`.
   */
  labels?: { real: ArrayLike<number>; fake: ArrayLike<number> };
}

/** `count` class labels drawn uniformly from `rng` (a conditional run's requested classes). */
export function drawLabels(rng: Rng, count: number, classes: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.below(classes);
  return out;
}

/** The options of an iteration at `step` from the config (instance noise annealed linearly when asked). */
export function stepOptions(config: ExperimentConfig, step: number, rng: Rng): StepOptions {
  const decay = config.instanceNoiseDecaySteps;
  const instanceNoise = decay === null ? config.instanceNoise : config.instanceNoise * Math.max(0, 1 - step / decay);
  return { loss: config.loss, labelSmoothing: config.labelSmoothing, dSteps: config.dSteps, instanceNoise, rng };
}

/** Adds N(0, std²) noise drawn from the trainer's generator (identity when std is 0). */
function instanceNoiser(options: StepOptions): (x: tf.Tensor4D) => tf.Tensor4D {
  const std = options.instanceNoise ?? 0;
  if (std === 0) return (x) => x;
  const rng = requireRng(options);
  return (x) => tf.add(x, tf.mul(tf.tensor(rng.fillNormal(new Float32Array(x.size)), x.shape), std));
}

function requireRng(options: StepOptions): Rng {
  if (!options.rng) throw new Error('Instance noise and extra D steps need the trainer\'s random generator (StepOptions.rng).');
  return options.rng;
}

/** Scalars of one iteration; the caller reads them (only when logging) and disposes them. */
export interface StepOutputs {
  lossD: tf.Scalar;
  lossG: tf.Scalar;
  dReal: tf.Scalar;
  dFake: tf.Scalar;
  dFakeAfter: tf.Scalar;
}

export interface StepValues {
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  dFakeAfter: number;
}

/** Reads the scalars (asynchronously: the WebGPU backend cannot read synchronously in Node). */
export async function readStep(outputs: StepOutputs): Promise<StepValues> {
  const [lossD, lossG, dReal, dFake, dFakeAfter] = await Promise.all(
    [outputs.lossD, outputs.lossG, outputs.dReal, outputs.dFake, outputs.dFakeAfter].map(async (t) => (await t.data())[0]),
  );
  return { lossD, lossG, dReal, dFake, dFakeAfter };
}

export function disposeStep(outputs: StepOutputs): void {
  tf.dispose([outputs.lossD, outputs.lossG, outputs.dReal, outputs.dFake, outputs.dFakeAfter]);
}

export class GanOptimizers {
  readonly d: tf.AdamOptimizer;
  readonly g: tf.AdamOptimizer;

  constructor(config: Pick<ExperimentConfig, 'learningRate' | 'beta1' | 'beta2'> & Partial<Pick<ExperimentConfig, 'learningRateD' | 'learningRateG'>>) {
    this.d = tf.train.adam(config.learningRateD ?? config.learningRate, config.beta1, config.beta2, ADAM_EPSILON);
    this.g = tf.train.adam(config.learningRateG ?? config.learningRate, config.beta1, config.beta2, ADAM_EPSILON);
  }

  dispose(): void {
    this.d.dispose();
    this.g.dispose();
  }
}

const meanProbability = (logits: tf.Tensor): tf.Scalar => tf.keep(tf.mean(tf.sigmoid(logits)));

/**
 * The D step: BCE(D(x), 1) + BCE(D(fake), 0) (or the chosen loss), gradients of both summed, one
 * Adam step on D. With spectral normalisation, one power iteration first.
 */
export function discriminatorStep(
  model: Dcgan,
  optimizers: GanOptimizers,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  options: StepOptions = {},
  noisy: (x: tf.Tensor4D) => tf.Tensor4D = instanceNoiser(options),
  classes: { real?: tf.Tensor2D; fake?: tf.Tensor2D } = {},
): Pick<StepOutputs, 'lossD' | 'dReal' | 'dFake'> {
  const D = model.discriminator;
  if (D.spectralNorm) D.powerIterate();
  let dReal: tf.Scalar | undefined;
  let dFake: tf.Scalar | undefined;
  const lossD = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const realLogits = D.forward(noisy(real), 'train', classes.real);
      const fakeLogits = D.forward(noisy(fake), 'train', classes.fake);
      dReal = meanProbability(realLogits);
      dFake = meanProbability(fakeLogits);
      return discriminatorLoss(options.loss ?? 'bce', realLogits, fakeLogits, options.labelSmoothing ?? 0);
    }, D.trainableVariables());
    optimizers.d.applyGradients(grads as Record<string, tf.Variable>);
    return value;
  });
  return { lossD, dReal: dReal!, dFake: dFake! };
}

/**
 * The G step: BCE(D(G(z)), 1) (the non-saturating loss) through the updated D, one Adam step on G.
 * `beforeLoss` runs on G(z) inside the G step's tape, before D sees it (trainStep's D step).
 */
export function generatorStep(
  model: Dcgan,
  optimizers: GanOptimizers,
  z: tf.Tensor4D,
  statsAlreadyUpdated: boolean,
  beforeLoss?: (fake: tf.Tensor4D) => void,
  options: StepOptions = {},
  noisy: (x: tf.Tensor4D) => tf.Tensor4D = instanceNoiser(options),
  classes?: tf.Tensor2D,
): Pick<StepOutputs, 'lossG' | 'dFakeAfter'> {
  let dFakeAfter: tf.Scalar | undefined;
  const lossG = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const fake = model.generator.forward(z, statsAlreadyUpdated ? 'train-recompute' : 'train', classes);
      beforeLoss?.(fake);
      const logits = model.discriminator.forward(noisy(fake), 'train', classes);
      dFakeAfter = meanProbability(logits);
      return generatorLoss(options.loss ?? 'bce', logits);
    }, model.generator.trainableVariables());
    optimizers.g.applyGradients(grads as Record<string, tf.Variable>);
    return value;
  });
  return { lossG, dFakeAfter: dFakeAfter! };
}

/**
 * Runs one iteration on a batch of real images (NHWC floats in [-1, 1]) and noise (batch x latent):
 * the same as discriminatorStep on G(z) followed by generatorStep on z, with G(z) computed once, as
 * the seed does. G's forward pass is recorded on the G step's tape; the D step runs on it inside
 * that tape with gradients for D's variables only (this is what .detach() means: nothing of the D
 * loss reaches G), then the G loss goes through the updated D.
 */
export function trainStep(model: Dcgan, optimizers: GanOptimizers, realImages: Float32Array, noise: Float32Array, options: StepOptions = {}): StepOutputs {
  const batch = noise.length / model.latentSize;
  const size = imageSizeOf(model);
  const channels = realImages.length / (batch * size * size) || IMAGE_CHANNELS;
  const real = tf.tensor4d(realImages, [batch, size, size, channels]);
  const noisy = instanceNoiser(options);
  const realClasses = classTensor(model, options.labels?.real);
  const fakeClasses = classTensor(model, options.labels?.fake);
  // Extra D updates (dSteps > 1): fresh noise (and, conditional, fresh labels) from the trainer's generator, the same real batch.
  for (let i = 1; i < (options.dSteps ?? 1); i++) {
    const extraNoise = requireRng(options).fillNormal(new Float32Array(noise.length));
    const extraClasses = model.classes ? classTensor(model, drawLabels(requireRng(options), batch, model.classes)) : undefined;
    const fake = tf.tidy(() => model.generator.forward(latentTensor(extraNoise, model.latentSize), 'train', extraClasses));
    const extra = discriminatorStep(model, optimizers, real, fake, options, noisy, { real: realClasses, fake: extraClasses });
    tf.dispose([fake, extra.lossD, extra.dReal, extra.dFake, ...(extraClasses ? [extraClasses] : [])]);
  }
  const z = latentTensor(noise, model.latentSize);
  let d: Pick<StepOutputs, 'lossD' | 'dReal' | 'dFake'> | undefined;
  const g = generatorStep(
    model,
    optimizers,
    z,
    false,
    (fake) => {
      d = discriminatorStep(model, optimizers, real, fake, options, noisy, { real: realClasses, fake: fakeClasses });
      tf.keep(d.lossD); // it leaves the G step's scope
    },
    options,
    noisy,
    fakeClasses,
  );
  tf.dispose([real, z, ...(realClasses ? [realClasses] : []), ...(fakeClasses ? [fakeClasses] : [])]);
  return { ...d!, ...g };
}

/**
 * G(fixed noise) as in the seed's grids: train-mode BatchNorm (batch statistics), no gradients.
 * 'train' also updates G's running statistics, as the seed's scheduled grids do; 'train-recompute'
 * draws the same images without touching them (for grids outside the schedule, such as the last
 * step of a session that a resume continues, so that k steps + resume equal the run straight).
 * Read asynchronously: a GPU backend cannot read synchronously in Node.
 */
export async function generateSamples(model: Dcgan, noise: Float32Array, mode: 'train' | 'train-recompute' | 'eval' = 'train', labels?: ArrayLike<number>): Promise<Float32Array> {
  const images = tf.tidy(() => model.generator.forward(latentTensor(noise, model.latentSize), mode, classTensor(model, labels)));
  try {
    return (await images.data()) as Float32Array;
  } finally {
    images.dispose();
  }
}
