/**
 * One iteration of the seed's training loop:
 *  1. D step: BCE(D(x), 1) + BCE(D(G(z).detach()), 0), one Adam step on D;
 *  2. G step on the same z: BCE(D(G(z)), 1) (non-saturating), one Adam step on G.
 * BCE is computed from D's logits (log-sigmoid), clamped at 100 like PyTorch's BCELoss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, IMAGE_CHANNELS, IMAGE_SIZE } from '../../protocol/experimentConfig';
import { Dcgan, latentTensor } from '../model/dcgan';

/** PyTorch's BCELoss clamps log(p) at -100. */
export const BCE_CLAMP = 100;
/** PyTorch's Adam default; TensorFlow.js would otherwise use 1e-7. */
export const ADAM_EPSILON = 1e-8;

/** Mean binary cross-entropy of sigmoid(logits) against a constant label (1 real, 0 fake). */
export function bceWithLogits(logits: tf.Tensor, label: 0 | 1): tf.Scalar {
  // -log(sigmoid(x)) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x)
  const perSample = tf.softplus(label === 1 ? tf.neg(logits) : logits);
  return tf.mean(tf.minimum(perSample, BCE_CLAMP));
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

  constructor(config: Pick<ExperimentConfig, 'learningRate' | 'beta1' | 'beta2'>) {
    this.d = tf.train.adam(config.learningRate, config.beta1, config.beta2, ADAM_EPSILON);
    this.g = tf.train.adam(config.learningRate, config.beta1, config.beta2, ADAM_EPSILON);
  }

  dispose(): void {
    this.d.dispose();
    this.g.dispose();
  }
}

const meanProbability = (logits: tf.Tensor): tf.Scalar => tf.keep(tf.mean(tf.sigmoid(logits)));

/** The D step: BCE(D(x), 1) + BCE(D(fake), 0), gradients of both summed, one Adam step on D. */
export function discriminatorStep(model: Dcgan, optimizers: GanOptimizers, real: tf.Tensor4D, fake: tf.Tensor4D): Pick<StepOutputs, 'lossD' | 'dReal' | 'dFake'> {
  const D = model.discriminator;
  let dReal: tf.Scalar | undefined;
  let dFake: tf.Scalar | undefined;
  const lossD = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const realLogits = D.forward(real, 'train');
      const fakeLogits = D.forward(fake, 'train');
      dReal = meanProbability(realLogits);
      dFake = meanProbability(fakeLogits);
      return tf.add(bceWithLogits(realLogits, 1), bceWithLogits(fakeLogits, 0)) as tf.Scalar;
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
): Pick<StepOutputs, 'lossG' | 'dFakeAfter'> {
  let dFakeAfter: tf.Scalar | undefined;
  const lossG = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const fake = model.generator.forward(z, statsAlreadyUpdated ? 'train-recompute' : 'train');
      beforeLoss?.(fake);
      const logits = model.discriminator.forward(fake, 'train');
      dFakeAfter = meanProbability(logits);
      return bceWithLogits(logits, 1);
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
export function trainStep(model: Dcgan, optimizers: GanOptimizers, realImages: Float32Array, noise: Float32Array): StepOutputs {
  const batch = noise.length / model.latentSize;
  const real = tf.tensor4d(realImages, [batch, IMAGE_SIZE, IMAGE_SIZE, IMAGE_CHANNELS]);
  const z = latentTensor(noise, model.latentSize);
  let d: Pick<StepOutputs, 'lossD' | 'dReal' | 'dFake'> | undefined;
  const g = generatorStep(model, optimizers, z, false, (fake) => {
    d = discriminatorStep(model, optimizers, real, fake);
    tf.keep(d.lossD); // it leaves the G step's scope
  });
  tf.dispose([real, z]);
  return { ...d!, ...g };
}

/**
 * G(fixed noise) as in the seed's grids: train-mode BatchNorm (batch statistics), no gradients.
 * 'train' also updates G's running statistics, as the seed's scheduled grids do; 'train-recompute'
 * draws the same images without touching them (for grids outside the schedule, such as the last
 * step of a session that a resume continues, so that k steps + resume equal the run straight).
 * Read asynchronously: a GPU backend cannot read synchronously in Node.
 */
export async function generateSamples(model: Dcgan, noise: Float32Array, mode: 'train' | 'train-recompute' | 'eval' = 'train'): Promise<Float32Array> {
  const images = tf.tidy(() => model.generator.forward(latentTensor(noise, model.latentSize), mode));
  try {
    return (await images.data()) as Float32Array;
  } finally {
    images.dispose();
  }
}
