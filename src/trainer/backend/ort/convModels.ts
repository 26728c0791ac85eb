/**
 * Tiny ONNX graphs for the three convolution kernels TensorFlow.js needs to train the DCGAN, in
 * TensorFlow.js's layouts (activations NHWC, filters [kh, kw, in, out]), so that onnxruntime runs
 * the arithmetic while TensorFlow.js keeps its autodiff:
 *   conv: y = conv2d(x, f)          bpi: dx = conv2DBackpropInput(dy, f)          bpf: df = conv2DBackpropFilter(x, dy)
 * Each kernel has formulations that suit different shapes (measured on the reference model with
 * two threads): a plain matrix product when the filter covers the whole input (D's last layer,
 * G's first), im2col + MatMul for one-channel inputs and for 4x4 maps, and ORT's NCHW
 * Conv/ConvTranspose with the layout transposes inside the graph elsewhere.
 */
import { buildOnnxModel, OnnxInitializer, OnnxNode, OnnxValue } from './onnxModel';

export type ConvKernelKind = 'conv' | 'bpi' | 'bpf';

/** The forward convolution a kernel belongs to: x [n, h, w, ci] * f [kh, kw, ci, co] -> y [n, ho, wo, co]. */
export interface ConvGeometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  ho: number;
  wo: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
}

/** A kernel's inputs and outputs have fixed shapes (one model per shape). */
export interface KernelValue extends OnnxValue {
  shape: readonly number[];
}

export interface KernelModel {
  bytes: Uint8Array;
  /** Inputs in the order the kernel passes them. */
  inputs: KernelValue[];
  output: KernelValue;
  /** Which formulation was chosen (for reports). */
  variant: string;
}

export function geometryKey(kind: ConvKernelKind, g: ConvGeometry): string {
  return `${kind}:${[g.n, g.h, g.w, g.ci, g.co, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.padTop, g.padBottom, g.padLeft, g.padRight].join(',')}`;
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];

  ints(name: string, data: number[]): string {
    if (!this.initializers.some((t) => t.name === name)) this.initializers.push({ name, type: 'int64', dims: [data.length], data });
    return name;
  }

  node(op: string, inputs: string[], output: string, attrs?: OnnxNode['attrs']): string {
    this.nodes.push({ op, inputs, outputs: [output], attrs });
    return output;
  }

  transpose(input: string, output: string, perm: number[]): string {
    return this.node('Transpose', [input], output, { perm });
  }

  reshape(input: string, output: string, shape: number[]): string {
    return this.node('Reshape', [input, this.ints(`${output}_shape`, shape)], output);
  }

  /** im2col in NHWC by strided slices of the padded input: [n, ho, wo, kh*kw*c] (tap-major, then channel). */
  im2col(input: string, g: ConvGeometry, output: string, concatAxis: 0 | 3): string {
    let padded = input;
    if (g.padTop + g.padBottom + g.padLeft + g.padRight > 0) {
      padded = this.node('Pad', [input, this.ints('pads', [0, g.padTop, g.padLeft, 0, 0, g.padBottom, g.padRight, 0])], 'xpad');
    }
    const slices: string[] = [];
    for (let a = 0; a < g.kh; a++) {
      for (let b = 0; b < g.kw; b++) {
        slices.push(
          this.node(
            'Slice',
            [padded, this.ints(`start${a}_${b}`, [a, b]), this.ints(`end${a}_${b}`, [a + g.sh * (g.ho - 1) + 1, b + g.sw * (g.wo - 1) + 1]), this.ints('axes12', [1, 2]), this.ints('steps', [g.sh, g.sw])],
            `tap${a}_${b}`,
          ),
        );
      }
    }
    return this.node('Concat', slices, output, { axis: concatAxis });
  }
}

const covers = (g: ConvGeometry) =>
  g.h === g.kh && g.w === g.kw && g.ho === 1 && g.wo === 1 && g.padTop + g.padBottom + g.padLeft + g.padRight === 0 && g.dh === 1 && g.dw === 1;
const isDcganUp = (g: ConvGeometry) =>
  g.kh === 4 && g.kw === 4 && g.sh === 2 && g.sw === 2 && g.padTop === 1 && g.padBottom === 1 && g.padLeft === 1 && g.padRight === 1 && g.dh === 1 && g.dw === 1 && g.h === 2 * g.ho && g.w === 2 * g.wo;
const smallMaps = (g: ConvGeometry) => Math.min(g.ci, g.co) >= 16 && g.ho * g.wo <= 16;

export function buildConvKernelModel(kind: ConvKernelKind, g: ConvGeometry): KernelModel {
  const x: KernelValue = { name: 'x', shape: [g.n, g.h, g.w, g.ci] };
  const f: KernelValue = { name: 'f', shape: [g.kh, g.kw, g.ci, g.co] };
  const y: KernelValue = { name: 'y', shape: [g.n, g.ho, g.wo, g.co] };
  const b = new GraphBuilder();
  const k = g.kh * g.kw * g.ci;
  const convAttrs = { kernel_shape: [g.kh, g.kw], strides: [g.sh, g.sw], pads: [g.padTop, g.padLeft, g.padBottom, g.padRight], dilations: [g.dh, g.dw] };
  let inputs: KernelValue[];
  let output: KernelValue;
  let variant: string;

  if (kind === 'conv') {
    inputs = [x, f];
    output = y;
    if (covers(g)) {
      variant = 'matmul';
      b.reshape('x', 'x2', [g.n, k]);
      b.reshape('f', 'f2', [k, g.co]);
      b.node('MatMul', ['x2', 'f2'], 'y2');
      b.reshape('y2', 'y', [...y.shape]);
    } else if (g.ci <= 4 && g.dh === 1 && g.dw === 1) {
      variant = 'im2col';
      b.im2col('x', g, 'cols', 3);
      b.reshape('f', 'f2', [k, g.co]);
      b.node('MatMul', ['cols', 'f2'], 'y');
    } else {
      variant = 'conv-nchw';
      b.transpose('x', 'xc', [0, 3, 1, 2]);
      b.transpose('f', 'fc', [3, 2, 0, 1]);
      b.node('Conv', ['xc', 'fc'], 'yc', convAttrs);
      b.transpose('yc', 'y', [0, 2, 3, 1]);
    }
  } else if (kind === 'bpi') {
    const dy: KernelValue = { name: 'dy', shape: y.shape };
    inputs = [dy, f];
    output = { name: 'dx', shape: x.shape };
    if (covers(g)) {
      variant = 'matmul';
      b.reshape('dy', 'dy2', [g.n, g.co]);
      b.reshape('f', 'f2', [k, g.co]);
      b.node('Gemm', ['dy2', 'f2'], 'dx2', { transB: 1 });
      b.reshape('dx2', 'dx', [...x.shape]);
    } else if (isDcganUp(g) && smallMaps(g)) {
      // Each output phase (a, b) of a stride-2, 4x4, pad-1 transposed convolution is a 2x2
      // correlation of dy: im2col over 4 shifted views of dy, one MatMul per phase, interleaved.
      variant = 'phase-matmul';
      b.node('Pad', ['dy', b.ints('pads', [0, 1, 1, 0, 0, 1, 1, 0])], 'dyp');
      b.transpose('f', 'ft', [0, 1, 3, 2]); // [kh, kw, co, ci]
      const offsets = (phase: number) => (phase === 0 ? [-1, 0] : [0, 1]);
      const made = new Set<string>();
      const phases: string[] = [];
      for (const pa of [0, 1]) {
        for (const pb of [0, 1]) {
          const parts: string[] = [];
          for (const oy of offsets(pa)) {
            for (const ox of offsets(pb)) {
              const name = `d${oy + 1}${ox + 1}`;
              if (!made.has(name)) {
                made.add(name);
                b.node('Slice', ['dyp', b.ints(`s${name}`, [1 + oy, 1 + ox]), b.ints(`e${name}`, [1 + oy + g.ho, 1 + ox + g.wo]), b.ints('axes12', [1, 2])], name);
              }
              parts.push(name);
            }
          }
          b.node('Concat', parts, `c${pa}${pb}`, { axis: 3 }); // [n, ho, wo, 4*co]
          // Taps of this phase, in the order of `parts`: rows 3,1 (phase 0) or 2,0 (phase 1).
          b.node(
            'Slice',
            ['ft', b.ints(`ws${pa}${pb}`, [pa === 0 ? 3 : 2, pb === 0 ? 3 : 2]), b.ints(`we${pa}${pb}`, [pa === 0 ? 0 : -5, pb === 0 ? 0 : -5]), b.ints('axes01', [0, 1]), b.ints('step2', [-2, -2])],
            `w${pa}${pb}`,
          );
          b.reshape(`w${pa}${pb}`, `wm${pa}${pb}`, [4 * g.co, g.ci]);
          b.node('MatMul', [`c${pa}${pb}`, `wm${pa}${pb}`], `p${pa}${pb}`); // [n, ho, wo, ci]
          phases.push(b.node('Unsqueeze', [`p${pa}${pb}`, b.ints('axis0', [0])], `u${pa}${pb}`));
        }
      }
      b.node('Concat', phases, 'stacked', { axis: 0 }); // [4, n, ho, wo, ci]
      b.reshape('stacked', 'stacked6', [2, 2, g.n, g.ho, g.wo, g.ci]);
      b.transpose('stacked6', 'interleaved', [2, 3, 0, 4, 1, 5]); // (n, j, a, k, b, c)
      b.reshape('interleaved', 'dx', [...x.shape]);
    } else {
      variant = 'convtranspose-nchw';
      const outPadH = g.h - (g.sh * (g.ho - 1) + g.dh * (g.kh - 1) + 1 - g.padTop - g.padBottom);
      const outPadW = g.w - (g.sw * (g.wo - 1) + g.dw * (g.kw - 1) + 1 - g.padLeft - g.padRight);
      if (outPadH < 0 || outPadW < 0 || outPadH >= Math.max(g.sh, g.dh) || outPadW >= Math.max(g.sw, g.dw)) {
        throw new Error(`no ONNX ConvTranspose for this geometry (output padding ${outPadH}x${outPadW})`);
      }
      b.transpose('dy', 'dyc', [0, 3, 1, 2]);
      b.transpose('f', 'fc', [3, 2, 0, 1]);
      b.node('ConvTranspose', ['dyc', 'fc'], 'dxc', { ...convAttrs, output_padding: [outPadH, outPadW] });
      b.transpose('dxc', 'dx', [0, 2, 3, 1]);
    }
  } else {
    const dy: KernelValue = { name: 'dy', shape: y.shape };
    inputs = [x, dy];
    output = { name: 'df', shape: f.shape };
    if (covers(g)) {
      variant = 'matmul';
      b.reshape('x', 'x2', [g.n, k]);
      b.reshape('dy', 'dy2', [g.n, g.co]);
      b.node('Gemm', ['x2', 'dy2'], 'df2', { transA: 1 });
      b.reshape('df2', 'df', [...f.shape]);
    } else if (smallMaps(g) && g.dh === 1 && g.dw === 1) {
      variant = 'im2col-matmul';
      const positions = g.n * g.ho * g.wo;
      b.im2col('x', g, 'taps', 0); // [kh*kw*n, ho, wo, ci]
      b.reshape('taps', 'cols', [g.kh * g.kw, positions, g.ci]);
      b.reshape('dy', 'dy2', [positions, g.co]);
      b.transpose('dy2', 'dyT', [1, 0]);
      b.node('MatMul', ['dyT', 'cols'], 'm'); // [kh*kw, co, ci]
      b.transpose('m', 'mt', [0, 2, 1]);
      b.reshape('mt', 'df', [...f.shape]);
    } else {
      // With batch and channels swapped, the filter gradient is a convolution of x^T with dy^T
      // dilated by the stride: [ci, n, h, w] (*) [co, n, ho, wo] -> [ci, co, kh', kw'].
      if (g.dh !== 1 || g.dw !== 1) throw new Error('no ONNX filter gradient for dilated convolutions');
      variant = 'conv-swapped';
      const outH = g.h + g.padTop + g.padBottom - (g.sh * (g.ho - 1) + 1) + 1;
      const outW = g.w + g.padLeft + g.padRight - (g.sw * (g.wo - 1) + 1) + 1;
      b.transpose('x', 'xt', [3, 0, 1, 2]);
      b.transpose('dy', 'dyt', [3, 0, 1, 2]);
      b.node('Conv', ['xt', 'dyt'], 'dwt', { kernel_shape: [g.ho, g.wo], strides: [1, 1], dilations: [g.sh, g.sw], pads: [g.padTop, g.padLeft, g.padBottom, g.padRight] });
      let last = 'dwt';
      if (outH !== g.kh || outW !== g.kw) {
        last = b.node('Slice', ['dwt', b.ints('crop_start', [0, 0]), b.ints('crop_end', [g.kh, g.kw]), b.ints('axes23', [2, 3])], 'dwc');
      }
      b.transpose(last, 'df', [2, 3, 0, 1]);
    }
  }
  return { bytes: buildOnnxModel({ nodes: b.nodes, inputs, outputs: [output], initializers: b.initializers }), inputs, output, variant };
}
