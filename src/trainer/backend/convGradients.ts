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
  // Bottom/right padding chosen so that the result is exactly kh x kw.
  const bottom = (outHeight - 1) * sh + kh - inHeight - top;
  const right = (outWidth - 1) * sw + kw - inWidth - left;
  if (bottom < 0 || right < 0 || top < 0 || left < 0) {
    throw new Error(`Conv2DBackpropFilter: unsupported geometry (pads ${top},${bottom},${left},${right})`);
  }
  const xT = transpose(ops, x, [3, 1, 2, 0]);
  const dyT = transpose(ops, dy, [1, 2, 0, 3]);
  const out = run(ops.conv2d, ops, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap);
  const dw = transpose(ops, out, [1, 2, 0, 3]);
  for (const t of [xT, dyT, out]) ops.backend.disposeData(t.dataId);
  return dw;
}
