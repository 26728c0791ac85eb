/**
 * The GAN losses, computed from D's logits (its output before the sigmoid):
 *  - bce: the lesson's binary cross-entropy (PyTorch's BCELoss on sigmoid(logits), log clamped at -100),
 *    G non-saturating; one-sided label smoothing sets the real target to 1 - ε;
 *  - hinge: D mean(relu(1 - real)) + mean(relu(1 + fake)), G -mean(fake) (Lim & Ye 2017, Miyato et al. 2018);
 *  - lsgan: D ½ mean((real - (1 - ε))²) + ½ mean(fake²), G ½ mean((fake - 1)²) (Mao et al. 2017, a=0, b=c=1).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossChoice } from '../../protocol/experimentConfig';

/** PyTorch's BCELoss clamps log(p) at -100. */
export const BCE_CLAMP = 100;

/** Mean binary cross-entropy of sigmoid(logits) against a constant label (1 real, 0 fake). */
export function bceWithLogits(logits: tf.Tensor, label: 0 | 1): tf.Scalar {
  // -log(sigmoid(x)) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x)
  const perSample = tf.softplus(label === 1 ? tf.neg(logits) : logits);
  return tf.mean(tf.minimum(perSample, BCE_CLAMP));
}

/** Mean BCE against a soft target t in (0, 1): t·(-log σ(x)) + (1 - t)·(-log(1 - σ(x))), each log clamped like BCELoss. */
export function bceWithLogitsTarget(logits: tf.Tensor, target: number): tf.Scalar {
  if (target === 1) return bceWithLogits(logits, 1);
  const pos = tf.minimum(tf.softplus(tf.neg(logits)), BCE_CLAMP);
  const neg = tf.minimum(tf.softplus(logits), BCE_CLAMP);
  return tf.mean(tf.add(tf.mul(pos, target), tf.mul(neg, 1 - target)));
}

/** D's loss on a batch of real and a batch of generated logits. `labelSmoothing` (ε) applies to bce and lsgan. */
export function discriminatorLoss(loss: LossChoice, realLogits: tf.Tensor, fakeLogits: tf.Tensor, labelSmoothing = 0): tf.Scalar {
  switch (loss) {
    case 'bce':
      return tf.add(bceWithLogitsTarget(realLogits, 1 - labelSmoothing), bceWithLogits(fakeLogits, 0)) as tf.Scalar;
    case 'hinge':
      return tf.add(tf.mean(tf.relu(tf.sub(1, realLogits))), tf.mean(tf.relu(tf.add(1, fakeLogits)))) as tf.Scalar;
    case 'lsgan':
      return tf.mul(tf.add(tf.mean(tf.square(tf.sub(realLogits, 1 - labelSmoothing))), tf.mean(tf.square(fakeLogits))), 0.5) as tf.Scalar;
  }
}

/** G's loss on the logits D gives its images. */
export function generatorLoss(loss: LossChoice, fakeLogits: tf.Tensor): tf.Scalar {
  switch (loss) {
    case 'bce':
      return bceWithLogits(fakeLogits, 1);
    case 'hinge':
      return tf.neg(tf.mean(fakeLogits)) as tf.Scalar;
    case 'lsgan':
      return tf.mul(tf.mean(tf.square(tf.sub(fakeLogits, 1))), 0.5) as tf.Scalar;
  }
}
