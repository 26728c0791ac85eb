/**
 * BatchNorm2d with PyTorch's semantics (eps 1e-5, momentum 0.1: running = 0.9 running + 0.1 batch,
 * running variance unbiased) on NHWC tensors, with an analytic gradient (no Tile, one pass of
 * reductions) registered through tf.customGrad.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_BACKWARD, BN_FORWARD, FusedActivation } from '../backend/batchNormKernels';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** Training-mode batch normalisation; updates the running statistics when `updateStats` is true. */
export function batchNormTrain(x: tf.Tensor4D, p: BatchNormParams, updateStats: boolean): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const m = n * h * w;
  const op = tf.customGrad(((xIn: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2 = tf.reshape(xIn, [m, c]);
    const mean = tf.mean(x2, 0);
    const xc = tf.sub(x2, mean);
    const variance = tf.mean(tf.square(xc), 0);
    const rstd = tf.rsqrt(tf.add(variance, BN_EPS));
    const xhat = tf.mul(xc, rstd);
    const y = tf.reshape(tf.add(tf.mul(xhat, gamma), beta), [n, h, w, c]);
    if (updateStats) updateRunningStats(p, mean, variance, m);
    save([xhat, rstd, gamma]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sXhat, sRstd, sGamma] = saved;
        const dy2 = tf.reshape(dy, [m, c]);
        const dBeta = tf.sum(dy2, 0);
        const dGamma = tf.sum(tf.mul(dy2, sXhat), 0);
        const centred = tf.sub(tf.sub(dy2, tf.div(dBeta, m)), tf.mul(sXhat, tf.div(dGamma, m)));
        const dx = tf.reshape(tf.mul(centred, tf.mul(sGamma, sRstd)), [n, h, w, c]);
        return [dx, dGamma, dBeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, p.gamma, p.beta) as tf.Tensor4D;
}

/** Inference-mode batch normalisation with the running statistics. */
export function batchNormEval(x: tf.Tensor4D, p: BatchNormParams): tf.Tensor4D {
  const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.runningVar, BN_EPS)));
  return tf.add(tf.mul(tf.sub(x, p.runningMean), scale), p.beta);
}

function updateRunningStats(p: BatchNormParams, mean: tf.Tensor, variance: tf.Tensor, m: number): void {
  const unbiased = m > 1 ? m / (m - 1) : 1;
  p.runningMean.assign(tf.add(tf.mul(p.runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
  p.runningVar.assign(tf.add(tf.mul(p.runningVar, 1 - BN_MOMENTUM), tf.mul(variance, BN_MOMENTUM * unbiased)));
}

/**
 * Training-mode BatchNorm followed by its activation, in one fused kernel each way (see
 * backend/batchNormKernels.ts); the same semantics as batchNormTrain + the activation.
 */
export function batchNormActTrain(x: tf.Tensor4D, p: BatchNormParams, updateStats: boolean, activation: FusedActivation, slope: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const attrs = { eps: BN_EPS, activation, slope };
  const op = tf.customGrad(((xIn: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const [y, mean, variance, rstd] = tf.engine().runKernel(BN_FORWARD, { x: xIn, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    if (updateStats) updateRunningStats(p, mean, variance, n * h * w);
    save([xIn, mean, rstd, gamma, beta]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sX, sMean, sRstd, sGamma, sBeta] = saved;
        return tf.engine().runKernel(BN_BACKWARD, { dy, x: sX, mean: sMean, rstd: sRstd, gamma: sGamma, beta: sBeta }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, p.gamma, p.beta) as tf.Tensor4D;
}
