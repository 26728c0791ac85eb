/**
 * Fused training-mode BatchNorm + activation as TensorFlow.js kernels (registered with
 * tf.registerKernel for the wasm and cpu backends). Generic ops would reduce over the outer axes
 * of an NHWC tensor, which these backends do by transposing the whole activation first, and would
 * need a dozen element-wise passes; these kernels make two or three passes over the data with
 * per-channel sums in double precision. Other backends use the generic implementation.
 */
import * as tf from '@tensorflow/tfjs-core';

export const BN_FORWARD = 'GanStudioBatchNormTrain';
export const BN_BACKWARD = 'GanStudioBatchNormTrainGrad';

/** The activation that follows BatchNorm: 0 none, 1 ReLU, 2 leaky ReLU (with `slope`). */
export type FusedActivation = 0 | 1 | 2;

export interface BatchNormForwardOut {
  y: Float32Array;
  xhat: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  rstd: Float32Array;
}

/** y = act(gamma * (x - mean) / sqrt(var + eps) + beta) over [m, c] (channels last). */
export function batchNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  c: number,
  eps: number,
  activation: FusedActivation,
  slope: number,
  out: BatchNormForwardOut,
): void {
  const n = x.length;
  const m = n / c;
  const { y, xhat, mean, variance, rstd } = out;
  const sum = new Float64Array(c);
  for (let k = 0, j = 0; k < n; k++) {
    sum[j] += x[k];
    if (++j === c) j = 0;
  }
  for (let j = 0; j < c; j++) mean[j] = sum[j] / m;
  const squares = new Float64Array(c);
  for (let k = 0, j = 0; k < n; k++) {
    const d = x[k] - mean[j];
    squares[j] += d * d;
    if (++j === c) j = 0;
  }
  for (let j = 0; j < c; j++) {
    variance[j] = squares[j] / m;
    rstd[j] = 1 / Math.sqrt(variance[j] + eps);
  }
  // Negative inputs of the activation are scaled by `low` (1: none, 0: ReLU, slope: leaky ReLU).
  const low = activation === 0 ? 1 : activation === 1 ? 0 : slope;
  for (let k = 0, j = 0; k < n; k++) {
    const h = (x[k] - mean[j]) * rstd[j];
    xhat[k] = h;
    const z = h * gamma[j] + beta[j];
    y[k] = z > 0 ? z : z * low;
    if (++j === c) j = 0;
  }
}

/**
 * Gradients of batchNormForward: dx, dgamma, dbeta from dy, xhat, gamma, beta and rstd (the
 * activation's derivative follows from the sign of xhat * gamma + beta, its input).
 */
export function batchNormBackward(
  dy: Float32Array,
  xhat: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  rstd: Float32Array,
  c: number,
  activation: FusedActivation,
  slope: number,
  out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const n = dy.length;
  const m = n / c;
  const low = activation === 0 ? 1 : activation === 1 ? 0 : slope;
  const { dx, dgamma, dbeta } = out;
  const sumDz = new Float64Array(c);
  const sumDzXhat = new Float64Array(c);
  for (let k = 0, j = 0; k < n; k++) {
    const h = xhat[k];
    const dz = h * gamma[j] + beta[j] > 0 ? dy[k] : dy[k] * low;
    sumDz[j] += dz;
    sumDzXhat[j] += dz * h;
    if (++j === c) j = 0;
  }
  const a = new Float32Array(c);
  const meanDz = new Float32Array(c);
  const meanDzXhat = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    dbeta[j] = sumDz[j];
    dgamma[j] = sumDzXhat[j];
    a[j] = gamma[j] * rstd[j];
    meanDz[j] = sumDz[j] / m;
    meanDzXhat[j] = sumDzXhat[j] / m;
  }
  for (let k = 0, j = 0; k < n; k++) {
    const h = xhat[k];
    const dz = h * gamma[j] + beta[j] > 0 ? dy[k] : dy[k] * low;
    dx[k] = a[j] * (dz - meanDz[j] - h * meanDzXhat[j]);
    if (++j === c) j = 0;
  }
}

/** How kernels read and create tensors on one backend. */
interface DataAccess {
  read(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array;
  /** Allocates outputs, then lets `fill` write them through views (valid until the next allocation). */
  outputs(backend: tf.KernelBackend, shapes: number[][], fill: (views: Float32Array[]) => void): tf.TensorInfo[];
}

interface WasmLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface CpuLike extends tf.KernelBackend {
  readSync(dataId: object): Float32Array;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

const ACCESS: Record<'wasm' | 'cpu', DataAccess> = {
  wasm: {
    read: (backend, info) => (backend as WasmLike).typedArrayFromHeap(info),
    outputs: (backend, shapes, fill) => {
      const infos = shapes.map((shape) => (backend as WasmLike).makeOutput(shape, 'float32'));
      fill(infos.map((info) => (backend as WasmLike).typedArrayFromHeap(info)));
      return infos;
    },
  },
  cpu: {
    read: (backend, info) => (backend as CpuLike).readSync(info.dataId) as Float32Array,
    outputs: (backend, shapes, fill) => {
      const values = shapes.map((shape) => new Float32Array(shape.reduce((a, b) => a * b, 1)));
      fill(values);
      return shapes.map((shape, i) => (backend as CpuLike).makeTensorInfo(shape, 'float32', values[i]));
    },
  },
};

interface BnAttrs {
  eps: number;
  activation: FusedActivation;
  slope: number;
}

function register(backendName: 'wasm' | 'cpu'): void {
  const access = ACCESS[backendName];
  if (!tf.getKernel(BN_FORWARD, backendName)) {
    tf.registerKernel({
      kernelName: BN_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
        const { eps, activation, slope } = attrs as unknown as BnAttrs;
        const c = x.shape[x.shape.length - 1];
        const b = backend as tf.KernelBackend;
        return access.outputs(b, [x.shape, x.shape, [c], [c], [c]], ([y, xhat, mean, variance, rstd]) =>
          batchNormForward(access.read(b, x), access.read(b, gamma), access.read(b, beta), c, eps, activation, slope, { y, xhat, mean, variance, rstd }),
        );
      },
    });
  }
  if (!tf.getKernel(BN_BACKWARD, backendName)) {
    tf.registerKernel({
      kernelName: BN_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, xhat, gamma, beta, rstd } = inputs as Record<string, tf.TensorInfo>;
        const { activation, slope } = attrs as unknown as BnAttrs;
        const c = dy.shape[dy.shape.length - 1];
        const b = backend as tf.KernelBackend;
        return access.outputs(b, [dy.shape, [c], [c]], ([dx, dgamma, dbeta]) =>
          batchNormBackward(access.read(b, dy), access.read(b, xhat), access.read(b, gamma), access.read(b, beta), access.read(b, rstd), c, activation, slope, { dx, dgamma, dbeta }),
        );
      },
    });
  }
}

/** Registers the fused kernels for the backends they support (idempotent). */
export function registerBatchNormKernels(): void {
  register('wasm');
  register('cpu');
}

/** Whether the current backend has the fused kernels. */
export function hasFusedBatchNorm(): boolean {
  return tf.getKernel(BN_FORWARD, tf.getBackend()) !== undefined;
}
