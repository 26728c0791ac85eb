/**
 * Convolution gradients expressed as forward Conv2D calls, for backends whose own kernels are
 * missing or slow (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter). Each function receives the
 * kernel's inputs and attributes and the backend's own Conv2D and Transpose kernels, so the heavy
 * work runs on the backend's optimised convolution (XNNPACK for wasm).
 */
import * as tf from '@tensorflow/tfjs-core';

type TensorInfo = tf.TensorInfo;
type KernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }) => TensorInfo | TensorInfo[];

export interface BackendOps {
  backend: tf.KernelBackend;
  conv2d: KernelFunc;
  transpose: KernelFunc;
  slice: KernelFunc;
  /** A new tensor in the backend holding `values`. */
  upload(shape: number[], values: Float32Array): TensorInfo;
  /** The values of a tensor, as a view where the backend allows it (read before disposing). */
  read(info: TensorInfo): Float32Array;
  /** An empty output tensor whose values can be written through `read`. */
  allocate(shape: number[]): TensorInfo;
}

function run(f: KernelFunc, ops: BackendOps, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): TensorInfo {
  return f({ inputs, backend: ops.backend, attrs }) as TensorInfo;
}

function transpose(ops: BackendOps, x: TensorInfo, perm: number[]): TensorInfo {
  return run(ops.transpose, ops, { x }, { perm });
}

/**
 * dW[kh, kw, ci, co] = sum over n, oh, ow of x[n, oh*s + kh - padTop, ow*s + kw - padLeft, ci] * dy[n, oh, ow, co].
 * With the batch as the reduction ("channel") axis this is a stride-1 convolution of x^T
 * ([ci, H, W, n]) with dy^T ([oh, ow, n, co]) dilated by the stride.
 */
export function conv2dBackpropFilterViaConv(
  ops: BackendOps,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: { strides: number | [number, number]; pad: tf.backend_util.PadInfo['type'] | number | tf.backend_util.ExplicitPadding | 'valid' | 'same'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] },
): TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight, outWidth, inHeight, inWidth } = info;
  const { top, left } = info.padInfo;
  // Bottom/right padding chosen so that the result is exactly kh x kw; a negative one means the
  // forward convolution never reached the last rows/columns of x, which are then cropped.
  const bottom = (outHeight - 1) * sh + kh - inHeight - top;
  const right = (outWidth - 1) * sw + kw - inWidth - left;
  const crop = bottom < 0 || right < 0;
  const xUsed = crop
    ? run(ops.slice, ops, { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], inHeight + Math.min(0, bottom), inWidth + Math.min(0, right), x.shape[3]] })
    : x;
  const xT = transpose(ops, xUsed, [3, 1, 2, 0]);
  if (crop) ops.backend.disposeData(xUsed.dataId);
  const dyT = transpose(ops, dy, [1, 2, 0, 3]);
  const out = run(ops.conv2d, ops, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap);
  const dw = transpose(ops, out, [1, 2, 0, 3]);
  for (const t of [xT, dyT, out]) ops.backend.disposeData(t.dataId);
  return dw;
}

/** One output phase of a strided transposed convolution along one axis (see conv2dBackpropInputByPhases). */
interface AxisPhase {
  /** Output positions i = stride * m + r. */
  r: number;
  /** Kernel taps t0, t0 + s, ..., as many as fit in the kernel. */
  t0: number;
  taps: number;
  /** Padding of dy before/after for a stride-1 correlation with the flipped taps. */
  padBefore: number;
  padAfter: number;
  /** Number of outputs of this phase. */
  count: number;
}

function axisPhases(inSize: number, outSize: number, kernel: number, stride: number, padBefore: number): AxisPhase[] | undefined {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < stride; r++) {
    const t0 = (((r + padBefore) % stride) + stride) % stride;
    const taps = Math.max(0, Math.ceil((kernel - t0) / stride));
    const count = Math.ceil((inSize - r) / stride);
    if (count <= 0) continue;
    if (taps === 0) return undefined; // outputs no tap reaches: leave such geometries to the stock kernel
    const c = (r + padBefore - t0) / stride;
    const before = taps - 1 - c;
    const after = count - 1 + c - (outSize - 1);
    if (before < 0 || after < 0) return undefined;
    phases.push({ r, t0, taps, padBefore: before, padAfter: after, count });
  }
  return phases;
}

/**
 * dx = conv2DBackpropInput(dy, W): the gradient of a strided convolution with respect to its input
 * (also G's transposed convolutions' forward pass). A stride-s transposed convolution is s*s
 * stride-1 convolutions of dy with sub-filters of W (the taps that reach one output phase),
 * interleaved; no zero-insertion, so no wasted multiplications. Returns undefined for geometries
 * it does not cover (dilations, pads larger than the kernel), for the caller to fall back.
 */
export function conv2dBackpropInputByPhases(
  ops: BackendOps,
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: { inputShape: [number, number, number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): TensorInfo | undefined {
  const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: H, inWidth: W, inChannels: ci, outChannels: co, outHeight: Ho, outWidth: Wo, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const ys = axisPhases(H, Ho, kh, sh, info.padInfo.top);
  const xs = axisPhases(W, Wo, kw, sw, info.padInfo.left);
  if (!ys || !xs) return undefined;
  // Views on a WebAssembly heap are invalidated when the heap grows: copy the (small) filter now and
  // take views of dx and of each phase only right before writing or reading them.
  const w = ops.read(filter).slice(); // [kh, kw, ci, co]
  const dx = ops.allocate([n, H, W, ci]);
  for (const py of ys) {
    for (const px of xs) {
      // Sub-filter for this phase: [taps_y, taps_x, co, ci], flipped so the correlation runs forward.
      const sub = new Float32Array(py.taps * px.taps * co * ci);
      for (let uy = 0; uy < py.taps; uy++) {
        const ty = py.t0 + sh * (py.taps - 1 - uy);
        for (let ux = 0; ux < px.taps; ux++) {
          const tx = px.t0 + sw * (px.taps - 1 - ux);
          const src = (ty * kw + tx) * ci * co;
          const dst = (uy * px.taps + ux) * co * ci;
          for (let a = 0; a < ci; a++) for (let b = 0; b < co; b++) sub[dst + b * ci + a] = w[src + a * co + b];
        }
      }
      const subInfo = ops.upload([py.taps, px.taps, co, ci], sub);
      const phase = run(ops.conv2d, ops, { x: dy, filter: subInfo }, {
        strides: [1, 1],
        pad: [[0, 0], [py.padBefore, py.padAfter], [px.padBefore, px.padAfter], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap);
      const values = ops.read(phase); // [n, py.count, px.count, ci]
      const out = ops.read(dx);
      for (let b = 0; b < n; b++) {
        for (let m = 0; m < py.count; m++) {
          const row = ((b * H + sh * m + py.r) * W) * ci;
          const from = ((b * py.count + m) * px.count) * ci;
          for (let q = 0; q < px.count; q++) {
            out.set(values.subarray(from + q * ci, from + (q + 1) * ci), row + (sw * q + px.r) * ci);
          }
        }
      }
      ops.backend.disposeData(subInfo.dataId);
      ops.backend.disposeData(phase.dataId);
    }
  }
  return dx;
}
