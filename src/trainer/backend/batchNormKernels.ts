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
  mean: Float32Array;
  variance: Float32Array;
  rstd: Float32Array;
}

/**
 * The activation's slope for negative and for positive inputs (1: none, 0: ReLU, slope: leaky
 * ReLU), indexed by `+(z > 0)`: a load instead of a branch, which the signs of activations, close
 * to random, would mispredict half the time (twice as fast here).
 */
function activationGains(activation: FusedActivation, slope: number): Float64Array {
  return Float64Array.of(activation === 0 ? 1 : activation === 1 ? 0 : slope, 1);
}

/**
 * y = act(gamma * (x - mean) / sqrt(var + eps) + beta) over [m, c] (channels last), in two passes
 * over x: per-channel sums of x and x² in double precision (exact enough for activations: the
 * variance loses nothing in float64 unless |mean| exceeds std by about 1e6), then y. The
 * normalised x is not stored: the backward kernel recomputes it from x, mean and rstd, which
 * reads no more memory than reading a stored copy would.
 */
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
  const { y, mean, variance, rstd } = out;
  const sum = new Float64Array(c);
  const squares = new Float64Array(c);
  for (let base = 0; base < n; base += c) {
    for (let j = 0; j < c; j++) {
      const v = x[base + j];
      sum[j] += v;
      squares[j] += v * v;
    }
  }
  // Per channel: z = x * scale + shift, then the activation.
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let j = 0; j < c; j++) {
    const mu = sum[j] / m;
    const v = Math.max(0, squares[j] / m - mu * mu);
    mean[j] = mu;
    variance[j] = v;
    rstd[j] = 1 / Math.sqrt(v + eps);
    scale[j] = gamma[j] * rstd[j];
    shift[j] = beta[j] - mean[j] * scale[j];
  }
  const gain = activationGains(activation, slope);
  for (let base = 0; base < n; base += c) {
    for (let j = 0; j < c; j++) {
      const z = x[base + j] * scale[j] + shift[j];
      y[base + j] = z * gain[+(z > 0)];
    }
  }
}

/**
 * Gradients of batchNormForward: dx, dgamma, dbeta from dy, x, mean, rstd, gamma and beta (the
 * normalised input is recomputed; the activation's derivative follows from the sign of its input).
 */
export function batchNormBackward(
  dy: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  c: number,
  activation: FusedActivation,
  slope: number,
  out: { dx: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const n = dy.length;
  const m = n / c;
  const gain = activationGains(activation, slope);
  const { dx, dgamma, dbeta } = out;
  const sumDz = new Float64Array(c);
  const sumDzXhat = new Float64Array(c);
  for (let base = 0; base < n; base += c) {
    for (let j = 0; j < c; j++) {
      const k = base + j;
      const h = (x[k] - mean[j]) * rstd[j];
      const dz = dy[k] * gain[+(h * gamma[j] + beta[j] > 0)];
      sumDz[j] += dz;
      sumDzXhat[j] += dz * h;
    }
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
  for (let base = 0; base < n; base += c) {
    for (let j = 0; j < c; j++) {
      const k = base + j;
      const h = (x[k] - mean[j]) * rstd[j];
      const dz = dy[k] * gain[+(h * gamma[j] + beta[j] > 0)];
      dx[k] = a[j] * (dz - meanDz[j] - h * meanDzXhat[j]);
    }
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
        return access.outputs(b, [x.shape, [c], [c], [c]], ([y, mean, variance, rstd]) =>
          batchNormForward(access.read(b, x), access.read(b, gamma), access.read(b, beta), c, eps, activation, slope, { y, mean, variance, rstd }),
        );
      },
    });
  }
  if (!tf.getKernel(BN_BACKWARD, backendName)) {
    tf.registerKernel({
      kernelName: BN_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, mean, rstd, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
        const { activation, slope } = attrs as unknown as BnAttrs;
        const c = dy.shape[dy.shape.length - 1];
        const b = backend as tf.KernelBackend;
        return access.outputs(b, [dy.shape, [c], [c]], ([dx, dgamma, dbeta]) =>
          batchNormBackward(access.read(b, dy), access.read(b, x), access.read(b, mean), access.read(b, rstd), access.read(b, gamma), access.read(b, beta), c, activation, slope, { dx, dgamma, dbeta }),
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
