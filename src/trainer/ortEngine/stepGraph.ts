/**
 * The whole training iteration of the seed's DCGAN (trainStep in ../train/step.ts, default loss and
 * stabilisers) as one ONNX graph with explicit backward passes and Adam updates:
 *  1. fake = G(z), train mode (G's running statistics updated once);
 *  2. D on real and fake (one batch of 2n for the convolutions, BatchNorm statistics per half;
 *     running statistics updated by the real pass, then the fake pass), BCE(D(x), 1) + BCE(D(fake), 0),
 *     D's gradients, Adam on D;
 *  3. D' (the updated D) on fake, train mode (D's running statistics updated a third time),
 *     non-saturating BCE(D'(fake), 1), the gradient through D' to the images (no D weight gradients:
 *     nothing uses them), through G to its parameters, Adam on G.
 * Tensors are NHWC and filters in TensorFlow.js's layout (conv [k, k, in, out], transposed conv
 * [k, k, out, in]), so that every convolution, forward or backward, is one large MatMul over
 * patches (one Gather of pixel rows) with the batch in its rows. Each network's parameters, Adam
 * moments and running statistics travel as flat float32 vectors (layout.ts), so Adam is a handful
 * of element-wise ops on one vector per network.
 */
import type { LayerSpec } from '../model/dcgan';
import { LEAKY_SLOPE } from '../model/dcgan';
import { BN_EPS, BN_MOMENTUM } from '../model/batchNorm';
import { BCE_CLAMP } from '../train/losses';
import { GraphBuilder, Name } from './graphBuilder';
import { NetLayout, netLayout } from './layout';

export interface StepGraphConfig {
  generator: LayerSpec[];
  discriminator: LayerSpec[];
  latentSize: number;
  imageSize: number;
  imageChannels: number;
  batch: number;
  learningRateD: number;
  learningRateG: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Transposed convolutions of inputs up to this size compute each output phase on its own (default 8). */
  exactPhasesUpTo?: number;
  /** How convolution patches are built: one Gather (default) or strided Slices and a Concat. */
  patches?: 'gather' | 'slices';
}

/** Graph input and output names. */
export const STEP_INPUTS = ['real', 'z', 'gP', 'gM', 'gV', 'gS', 'dP', 'dM', 'dV', 'dS', 'gC1', 'gC2', 'dC1', 'dC2'] as const;
export const STEP_STATE_OUTPUTS = ['gP_out', 'gM_out', 'gV_out', 'gS_out', 'dP_out', 'dM_out', 'dV_out', 'dS_out'] as const;
export const STEP_SCALAR_OUTPUTS = ['lossD', 'lossG', 'dReal', 'dFake', 'dFakeAfter'] as const;

type Shape = [number, number, number, number];

/** What a layer's forward pass keeps for its backward pass. */
interface LayerCache {
  spec: LayerSpec;
  input: Name;
  inShape: Shape;
  outShape: Shape;
  /** After the activation. */
  output: Name;
  /** A convolution's input patches (forward and weight gradient share them). */
  patches?: Name;
  /** BatchNorm's centred input (before the scale). */
  xc?: Name;
  rstd?: Name;
  groups: number;
}

interface NetParams {
  weights: Name[];
  gamma: (Name | undefined)[];
  beta: (Name | undefined)[];
}

const f32 = Math.fround;

function outSize(spec: LayerSpec, size: number): number {
  return spec.kind === 'conv' ? Math.floor((size + 2 * spec.pad - spec.kernel) / spec.stride) + 1 : (size - 1) * spec.stride - 2 * spec.pad + spec.kernel;
}

class StepGraph {
  readonly b = new GraphBuilder();

  constructor(readonly c: StepGraphConfig) {}

  /** Slices a flat parameter vector into the network's tensors. */
  unpack(flat: Name, layout: NetLayout): NetParams {
    const b = this.b;
    const piece = (e: { offset: number; size: number; shape: readonly number[] }) => b.reshape(b.slice(flat, [e.offset], [e.offset + e.size], [0]), e.shape);
    return {
      weights: layout.layers.map((l) => piece(l.weight)),
      gamma: layout.layers.map((l) => (l.gamma ? piece(l.gamma) : undefined)),
      beta: layout.layers.map((l) => (l.beta ? piece(l.beta) : undefined)),
    };
  }

  /** Running statistics of every BatchNorm layer: [mean, var] per layer (or undefined). */
  unpackStats(flat: Name, layout: NetLayout): ([Name, Name] | undefined)[] {
    const b = this.b;
    return layout.layers.map((l) => (l.runningMean && l.runningVar ? [b.slice(flat, [l.runningMean.offset], [l.runningMean.offset + l.runningMean.size], [0]), b.slice(flat, [l.runningVar.offset], [l.runningVar.offset + l.runningVar.size], [0])] : undefined));
  }

  /**
   * A network's forward pass in train mode. `groups` halves of the batch get their own BatchNorm
   * statistics; `stats` (updated in place, group by group) receives the running statistics.
   */
  forward(tag: string, x: Name, inShape: Shape, specs: LayerSpec[], p: NetParams, groups: number, stats: ([Name, Name] | undefined)[] | undefined): { out: Name; caches: LayerCache[] } {
    const caches: LayerCache[] = [];
    let shape = inShape;
    specs.forEach((spec, i) => {
      this.b.scope = `${tag}${i}`;
      const [n, h, w] = shape;
      const outShape: Shape = [n, outSize(spec, h), outSize(spec, w), spec.outChannels];
      const cache: LayerCache = { spec, input: x, inShape: shape, outShape, output: '', groups };
      x = spec.kind === 'conv' ? this.conv(cache, p.weights[i]) : this.convTranspose(x, p.weights[i], shape, spec, outShape);
      if (spec.batchNorm) {
        const bn = this.batchNorm(x, outShape, p.gamma[i]!, p.beta[i]!, groups, stats?.[i]);
        x = bn.y;
        cache.xc = bn.xc;
        cache.rstd = bn.rstd;
      }
      x = this.activate(x, spec.activation);
      cache.output = x;
      caches.push(cache);
      shape = outShape;
    });
    this.b.scope = '';
    return { out: x, caches };
  }

  activate(x: Name, activation: LayerSpec['activation']): Name {
    switch (activation) {
      case 'relu':
        return this.b.op('Relu', [x]);
      case 'leakyRelu':
        return this.b.op('LeakyRelu', [x], { alpha: { float: LEAKY_SLOPE } });
      case 'tanh':
        return this.b.op('Tanh', [x]);
      case 'none':
        return x;
    }
  }

  /**
   * Σ over axis 1 of [g, m, c] -> [g, 1, c]. onnxruntime's fast reduction (many threads, vectorised)
   * takes a reduced axis between kept ones; [1, m, c] gets the slow one (about ten times slower), so
   * m is cut in two halves, reduced apart and the two rows added.
   */
  sumRows(x: Name, [g, m, c]: [number, number, number]): Name {
    const b = this.b;
    if (m % 2 !== 0 || m < 2) return b.reduceSum(x, [1]);
    return b.reduceSum(b.reshape(b.reduceSum(b.reshape(x, [2 * g, m / 2, c]), [1]), [g, 2, c]), [1]);
  }

  /**
   * BatchNorm in train mode on NHWC [g·n, H, W, C]; statistics per group of n; running statistics
   * updated group after group. The centred input xc is kept for the backward pass (x̂ = xc·rstd is
   * never materialised: y = xc·(γ·rstd) + β folds rstd into a per-channel scale).
   */
  batchNorm(x: Name, shape: Shape, gamma: Name, beta: Name, groups: number, stats: [Name, Name] | undefined): { y: Name; xc: Name; rstd: Name } {
    const b = this.b;
    const [gn, h, w, c] = shape;
    const n = gn / groups;
    const m = n * h * w;
    const x3 = b.reshape(x, [groups, m, c]);
    const mean = b.div(this.sumRows(x3, [groups, m, c]), b.float(m));
    const xc = b.sub(x3, mean);
    const variance = b.div(this.sumRows(b.mul(xc, xc), [groups, m, c]), b.float(m));
    const rstd = b.op('Reciprocal', [b.op('Sqrt', [b.add(variance, b.float(BN_EPS))])]);
    const y = b.reshape(b.add(b.mul(xc, b.mul(rstd, gamma)), beta), shape);
    if (stats) {
      const unbiased = m > 1 ? m / (m - 1) : 1;
      for (let g = 0; g < groups; g++) {
        const groupMean = b.reshape(b.slice(mean, [g], [g + 1], [0]), [c]);
        const groupVar = b.reshape(b.slice(variance, [g], [g + 1], [0]), [c]);
        stats[0] = b.add(b.mul(stats[0], b.float(f32(1 - BN_MOMENTUM))), b.mul(groupMean, b.float(f32(BN_MOMENTUM))));
        stats[1] = b.add(b.mul(stats[1], b.float(f32(1 - BN_MOMENTUM))), b.mul(groupVar, b.float(f32(BN_MOMENTUM * unbiased))));
      }
    }
    return { y, xc, rstd };
  }

  /**
   * The backward pass of a network from the gradient of its output. Returns the gradient of its
   * input (when `inputGrad`) and, when `weightGrads`, the flat gradient of its parameters in layout order.
   */
  backward(tag: string, caches: LayerCache[], p: NetParams, dOut: Name, weightGrads: boolean, inputGrad: boolean): { dInput?: Name; flat?: Name } {
    const b = this.b;
    const grads: Name[][] = caches.map(() => []);
    let dy = dOut;
    for (let i = caches.length - 1; i >= 0; i--) {
      b.scope = `${tag}${i}`;
      const cache = caches[i];
      const { spec } = cache;
      dy = this.activationBackward(dy, cache.output, spec.activation);
      if (spec.batchNorm) {
        const bn = this.batchNormBackward(dy, cache, p.gamma[i]!, weightGrads);
        dy = bn.dx;
        if (weightGrads) grads[i].push(bn.dGamma!, bn.dBeta!);
      }
      const needInput = i > 0 || inputGrad;
      const conv = spec.kind === 'conv' ? this.convBackward(cache, p.weights[i], dy, weightGrads, needInput) : this.convTransposeBackward(cache, p.weights[i], dy, weightGrads, needInput);
      if (weightGrads) grads[i].unshift(conv.dW!);
      if (needInput) dy = conv.dx!;
    }
    b.scope = '';
    const flat = weightGrads ? b.concat(grads.flat().map((g) => b.reshape(g, [-1])), 0) : undefined;
    return { dInput: inputGrad ? dy : undefined, flat };
  }

  activationBackward(dy: Name, y: Name, activation: LayerSpec['activation']): Name {
    const b = this.b;
    switch (activation) {
      case 'relu':
        return b.op('Where', [b.op('Greater', [y, b.float(0)]), dy, b.float(0)]);
      case 'leakyRelu':
        return b.op('Where', [b.op('Greater', [y, b.float(0)]), dy, b.mul(dy, b.float(f32(LEAKY_SLOPE)))]);
      case 'tanh':
        return b.mul(dy, b.sub(b.float(1), b.mul(y, y)));
      case 'none':
        return dy;
    }
  }

  /** With x̂ = xc·rstd: dx = (dy − Σdy/m − xc·(Σdy·xc)·rstd²/m)·γ·rstd; dγ = Σdy·xc·rstd, dβ = Σdy. */
  batchNormBackward(dy: Name, cache: LayerCache, gamma: Name, paramGrads: boolean): { dx: Name; dGamma?: Name; dBeta?: Name } {
    const b = this.b;
    const [gn, h, w, c] = cache.outShape;
    const groups = cache.groups;
    const n = gn / groups;
    const m = n * h * w;
    const rstd = cache.rstd!;
    const dy3 = b.reshape(dy, [groups, m, c]);
    const sumDy = this.sumRows(dy3, [groups, m, c]);
    const sumDyXhat = b.mul(this.sumRows(b.mul(dy3, cache.xc!), [groups, m, c]), rstd);
    const centred = b.sub(b.sub(dy3, b.div(sumDy, b.float(m))), b.mul(cache.xc!, b.mul(b.div(sumDyXhat, b.float(m)), rstd)));
    const dx = b.reshape(b.mul(centred, b.mul(gamma, rstd)), cache.outShape);
    if (!paramGrads) return { dx };
    return { dx, dGamma: b.reshape(b.reduceSum(sumDyXhat, [0]), [c]), dBeta: b.reshape(b.reduceSum(sumDy, [0]), [c]) };
  }

  /**
   * Patches of x (NHWC [n, H, W, C]) for a k×k window with stride s and padding p, at ho×wo
   * positions: [n·ho·wo, k·k·C], columns ordered (kh, kw, c) like TensorFlow.js's filters.
   */
  patches(x: Name, [n, h, w, c]: Shape, k: number, s: number, p: number, ho: number, wo: number): Name {
    const b = this.b;
    if (ho === 1 && wo === 1 && p === 0 && h === k && w === k) return b.reshape(x, [n, k * k * c]);
    if (c === 1 && this.c.patches !== 'slices') {
      // One channel (the images, and the gradient of G's output): NHWC is NCHW, and a Conv with a
      // one-hot filter per tap copies the windows exactly (a Gather of single floats is slow).
      const onehot = b.float(Array.from({ length: k * k * k * k }, (_, i) => (Math.floor(i / (k * k)) === i % (k * k) ? 1 : 0)), [k * k, 1, k, k]);
      const taps = b.op('Conv', [b.reshape(x, [n, 1, h, w]), onehot], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }, 'patches'); // [n, k·k, ho, wo]
      return b.reshape(b.transpose(taps, [0, 2, 3, 1]), [n * ho * wo, k * k]);
    }
    if (this.c.patches !== 'slices') {
      // One Gather of whole pixel rows (c contiguous floats) from the input and one zero row that
      // stands for the padding: [n·ho·wo, k·k] indices -> [n·ho·wo, k·k, c].
      const zero = n * h * w;
      const index = b.indices(`${n}x${h}x${w}:${k}/${s}/${p}:${ho}x${wo}`, () => {
        const out = new Int32Array(n * ho * wo * k * k);
        let i = 0;
        for (let bi = 0; bi < n; bi++) {
          for (let oh = 0; oh < ho; oh++) {
            for (let ow = 0; ow < wo; ow++) {
              for (let kh = 0; kh < k; kh++) {
                const ih = oh * s - p + kh;
                for (let kw = 0; kw < k; kw++) {
                  const iw = ow * s - p + kw;
                  out[i++] = ih >= 0 && ih < h && iw >= 0 && iw < w ? (bi * h + ih) * w + iw : zero;
                }
              }
            }
          }
        }
        return out;
      }, [n * ho * wo, k * k]);
      const rows = b.concat([b.reshape(x, [n * h * w, c]), b.op('ConstantOfShape', [b.ints([1, c])], undefined, 'zeros')], 0);
      return b.reshape(b.op('Gather', [rows, index], { axis: 0 }, 'patches'), [n * ho * wo, k * k * c]);
    }
    const padded = p > 0 ? b.op('Pad', [x, b.ints([0, p, p, 0, 0, p, p, 0])]) : x;
    const slices: Name[] = [];
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) slices.push(b.slice(padded, [kh, kw], [kh + s * (ho - 1) + 1, kw + s * (wo - 1) + 1], [1, 2], s > 1 ? [s, s] : undefined));
    }
    return b.reshape(b.concat(slices, 3), [n * ho * wo, k * k * c]);
  }

  /** Convolution forward as one MatMul over the patches (kept for the weight gradient). */
  conv(cache: LayerCache, weight: Name): Name {
    const { spec, inShape, outShape } = cache;
    const k = spec.kernel;
    cache.patches = this.patches(cache.input, inShape, k, spec.stride, spec.pad, outShape[1], outShape[2]);
    return this.b.reshape(this.b.matmul(cache.patches, this.b.reshape(weight, [k * k * spec.inChannels, spec.outChannels])), outShape);
  }

  /** dW = patchesᵀ·dy (one Gemm), dx = the transposed convolution of dy with the same filter. */
  convBackward(cache: LayerCache, weight: Name, dy: Name, weightGrad: boolean, inputGrad: boolean): { dW?: Name; dx?: Name } {
    const b = this.b;
    const { spec, inShape, outShape } = cache;
    const [n, ho, wo, co] = outShape;
    const k = spec.kernel;
    const dy2 = b.reshape(dy, [n * ho * wo, co]);
    const dW = weightGrad ? b.op('Gemm', [cache.patches!, dy2], { transA: 1 }, 'dW') : undefined;
    if (!inputGrad) return { dW };
    if (ho === 1 && wo === 1 && spec.pad === 0 && inShape[1] === k) {
      // The last layer: one window covers the whole input.
      return { dW, dx: b.reshape(b.op('Gemm', [dy2, b.reshape(weight, [k * k * spec.inChannels, co])], { transB: 1 }, 'dx'), inShape) };
    }
    // The filter [k, k, in, out] of a convolution is the filter [k, k, out', in'] of its transposed convolution.
    return { dW, dx: this.convTranspose(dy, weight, outShape, { ...spec, kind: 'convTranspose', inChannels: co, outChannels: spec.inChannels }, inShape) };
  }

  /**
   * A transposed convolution (filter [k, k, out, in]). From 1×1 (the generator's first layer) it
   * is one MatMul. With stride 2, kernel 4 and padding 1 (the DCGAN's upsampling) it is one MatMul
   * of the input's 2×2 patches with the filter rearranged by output phase, then the four phases
   * cut out and interleaved: y[2m+a, 2m'+b] = Σ x[m+a-1+th, m'+b-1+tw]·W[3-a-2th, 3-b-2tw], th, tw ∈ {0, 1}.
   */
  convTranspose(x: Name, weight: Name, inShape: Shape, spec: LayerSpec, outShape: Shape): Name {
    const b = this.b;
    const [n, h, w, ci] = inShape;
    const co = spec.outChannels;
    const k = spec.kernel;
    if (h === 1 && w === 1 && spec.stride === 1 && spec.pad === 0) {
      const wl = b.reshape(b.transpose(weight, [3, 0, 1, 2]), [ci, k * k * co]);
      return b.reshape(b.matmul(b.reshape(x, [n, ci]), wl), outShape);
    }
    if (!(k === 4 && spec.stride === 2 && spec.pad === 1)) throw new Error(`The onnxruntime engine has no transposed convolution of kernel ${k}, stride ${spec.stride}, padding ${spec.pad}`);
    const taps = b.ints([3, 1, 2, 0], [2, 2]); // [a][th] -> kernel index
    const rows = b.op('Gather', [weight, taps], { axis: 0 }); // [a, th, 4, out, in]
    const both = b.op('Gather', [rows, taps], { axis: 2 }); // [a, th, b, tw, out, in]
    if (h <= (this.c.exactPhasesUpTo ?? 8) && this.c.patches !== 'slices') {
      // Small inputs: the fused form's border row and column of 2×2 windows would cost up to 56 %
      // more multiplications (25/16 at 4×4, 81/64 at 8×8); here each phase gathers its own windows (one batched MatMul).
      const zero = n * h * w;
      const index = b.indices(`phases:${n}x${h}x${w}`, () => {
        const out = new Int32Array(4 * n * h * w * 4);
        let i = 0;
        for (let ph = 0; ph < 4; ph++) {
          const [a, bb] = [ph >> 1, ph & 1];
          for (let bi = 0; bi < n; bi++) {
            for (let m = 0; m < h; m++) {
              for (let m2 = 0; m2 < w; m2++) {
                for (let t = 0; t < 4; t++) {
                  const ih = m + a - 1 + (t >> 1);
                  const iw = m2 + bb - 1 + (t & 1);
                  out[i++] = ih >= 0 && ih < h && iw >= 0 && iw < w ? (bi * h + ih) * w + iw : zero;
                }
              }
            }
          }
        }
        return out;
      }, [4, n * h * w, 4]);
      const source = b.concat([b.reshape(x, [n * h * w, ci]), b.op('ConstantOfShape', [b.ints([1, ci])], undefined, 'zeros')], 0);
      const patches = b.reshape(b.op('Gather', [source, index], { axis: 0 }, 'patches'), [4, n * h * w, 4 * ci]);
      const phaseWeights = b.reshape(b.transpose(both, [0, 2, 1, 3, 5, 4]), [4, 4 * ci, co]); // [(a, b), (th, tw, in), out]
      // The phases [(a, b), n, h, w] interleaved into [n, (h, a), (w, b)] by one Gather of rows of
      // co floats (onnxruntime's Transpose copies such blocks on one thread, about twice as slow).
      const phases = b.reshape(b.matmul(patches, phaseWeights), [4 * n * h * w, co]);
      const order = b.indices(`interleave:${n}x${h}x${w}`, () => {
        const out = new Int32Array(4 * n * h * w);
        let i = 0;
        for (let bi = 0; bi < n; bi++) {
          for (let m = 0; m < h; m++) {
            for (let a = 0; a < 2; a++) {
              for (let m2 = 0; m2 < w; m2++) {
                for (let bb = 0; bb < 2; bb++) out[i++] = (((a * 2 + bb) * n + bi) * h + m) * w + m2;
              }
            }
          }
        }
        return out;
      }, [4 * n * h * w]);
      return b.reshape(b.op('Gather', [phases, order], { axis: 0 }, 'interleave'), outShape);
    }
    if (co === 1 && this.c.patches !== 'slices') {
      // One output channel (G's image layer): each input pixel's k·k contributions in one MatMul,
      // then a ConvTranspose with one-hot filters adds them into place (col2im, no patches).
      const taps = b.matmul(b.reshape(x, [n, h * w, ci]), b.reshape(b.transpose(weight, [2, 3, 0, 1]), [ci, k * k])); // [n, h·w, k·k]
      const onehot = b.float(Array.from({ length: k * k * k * k }, (_, i) => (Math.floor(i / (k * k)) === i % (k * k) ? 1 : 0)), [k * k, 1, k, k]);
      const cols = b.reshape(b.transpose(taps, [0, 2, 1]), [n, k * k, h, w]);
      return b.reshape(b.op('ConvTranspose', [cols, onehot], { kernel_shape: [k, k], strides: [2, 2], pads: [1, 1, 1, 1] }, 'col2im'), outShape);
    }
    const phaseWeight = b.reshape(b.transpose(both, [1, 3, 5, 0, 2, 4]), [4 * ci, 4 * co]); // [(th, tw, in), (a, b, out)]
    const all = b.reshape(b.matmul(this.patches(x, inShape, 2, 1, 1, h + 1, w + 1), phaseWeight), [n, h + 1, w + 1, 4, co]);
    const phase = (a: number, bb: number) => b.slice(all, [a, bb, a * 2 + bb], [a + h, bb + w, a * 2 + bb + 1], [1, 2, 3]); // [n, h, w, 1, co]
    const row = (a: number) => b.reshape(b.concat([phase(a, 0), phase(a, 1)], 3), [n, h, 1, w, 2, co]);
    return b.reshape(b.concat([row(0), row(1)], 2), outShape);
  }

  /** dW = patches(dy)ᵀ·x (one Gemm); dx = the convolution of dy with the same filter, a MatMul of the same patches. */
  convTransposeBackward(cache: LayerCache, weight: Name, dy: Name, weightGrad: boolean, inputGrad: boolean): { dW?: Name; dx?: Name } {
    const b = this.b;
    const { spec, inShape, outShape } = cache;
    const [n, h, w, ci] = inShape;
    const co = spec.outChannels;
    const k = spec.kernel;
    if (h === 1 && w === 1 && spec.stride === 1 && spec.pad === 0) {
      const dy2 = b.reshape(dy, [n, k * k * co]);
      const x2 = b.reshape(cache.input, [n, ci]);
      const dW = weightGrad ? b.transpose(b.reshape(b.op('Gemm', [x2, dy2], { transA: 1 }, 'dW'), [ci, k, k, co]), [1, 2, 3, 0]) : undefined;
      const dx = inputGrad ? b.reshape(b.op('Gemm', [dy2, b.reshape(b.transpose(weight, [3, 0, 1, 2]), [ci, k * k * co])], { transB: 1 }, 'dx'), inShape) : undefined;
      return { dW, dx };
    }
    const patches = this.patches(dy, outShape, k, spec.stride, spec.pad, h, w); // [n·h·w, k·k·out]
    const dW = weightGrad ? b.op('Gemm', [patches, b.reshape(cache.input, [n * h * w, ci])], { transA: 1 }, 'dW') : undefined;
    const dx = inputGrad ? b.reshape(b.matmul(patches, b.reshape(weight, [k * k * co, ci])), inShape) : undefined;
    return { dW, dx };
  }

  /**
   * BCE of sigmoid(logits) against label 1 (sign -1) or 0 (sign +1) as in losses.ts: per sample
   * softplus(sign·x) clamped at 100, and the gradient of its mean over `count` samples.
   */
  bce(logits: Name, sign: Name, count: number): { grad: Name; perSample: Name } {
    const b = this.b;
    const u = b.mul(logits, sign);
    const softplus = b.op('Softplus', [u]);
    const clamped = b.op('Min', [softplus, b.float(BCE_CLAMP)]);
    const live = b.op('Less', [softplus, b.float(BCE_CLAMP)]);
    const grad = b.op('Where', [live, b.div(b.mul(sign, b.op('Sigmoid', [u])), b.float(count)), b.float(0)]);
    return { grad, perSample: clamped };
  }

  /** One Adam step on flat vectors, in TensorFlow.js's order of operations (adam_optimizer.js). */
  adam(p: Name, m: Name, v: Name, g: Name, c1: Name, c2: Name, lr: number): [Name, Name, Name] {
    const b = this.b;
    const { beta1, beta2, epsilon } = this.c;
    const m2 = b.add(b.mul(m, b.float(f32(beta1))), b.mul(g, b.float(f32(1 - beta1))));
    const v2 = b.add(b.mul(v, b.float(f32(beta2))), b.mul(b.mul(g, g), b.float(f32(1 - beta2))));
    const bc1 = b.div(m2, c1);
    const bc2 = b.div(v2, c2);
    const p2 = b.add(b.mul(b.div(bc1, b.add(b.op('Sqrt', [bc2]), b.float(f32(epsilon)))), b.float(f32(-lr))), p);
    return [p2, m2, v2];
  }

  build(gLayout: NetLayout, dLayout: NetLayout): Uint8Array {
    const { b, c } = this;
    const n = c.batch;
    const img: Shape = [n, c.imageSize, c.imageSize, c.imageChannels];
    const real = b.input('real', img);
    const z = b.input('z', [n, 1, 1, c.latentSize]);
    const [gP, gM, gV, gS, dP, dM, dV, dS] = (['gP', 'gM', 'gV', 'gS', 'dP', 'dM', 'dV', 'dS'] as const).map((name) =>
      b.input(name, [name.endsWith('S') ? (name[0] === 'g' ? gLayout.statsSize : dLayout.statsSize) : name[0] === 'g' ? gLayout.size : dLayout.size]),
    );
    const [gC1, gC2, dC1, dC2] = ['gC1', 'gC2', 'dC1', 'dC2'].map((name) => b.input(name, [1]));

    // 1. G(z), train mode.
    const gParams = this.unpack(gP, gLayout);
    const gStats = this.unpackStats(gS, gLayout);
    const g = this.forward('Gf', z, [n, 1, 1, c.latentSize], c.generator, gParams, 1, gStats);
    const fake = g.out;

    // 2. The D step on real and fake, one batch of 2n.
    const dParams = this.unpack(dP, dLayout);
    const dStats = this.unpackStats(dS, dLayout);
    const both = b.concat([real, fake], 0);
    const d = this.forward('Df', both, [2 * n, img[1], img[2], img[3]], c.discriminator, dParams, 2, dStats);
    const logits = b.reshape(d.out, [2, n]);
    const signs = b.float([-1, 1], [2, 1]); // real: label 1, fake: label 0
    const dLoss = this.bce(logits, signs, n);
    const perHalf = b.reduceMean(dLoss.perSample, [1], 0); // [2]
    const lossD = b.reduceSum(perHalf, [0], 0);
    const probs = b.reduceMean(b.op('Sigmoid', [logits]), [1], 0);
    const dReal = b.reshape(b.slice(probs, [0], [1], [0]), []);
    const dFake = b.reshape(b.slice(probs, [1], [2], [0]), []);
    const dBack = this.backward('Db', d.caches, dParams, b.reshape(dLoss.grad, [2 * n, 1, 1, 1]), true, false);
    const [dP2, dM2, dV2] = this.adam(dP, dM, dV, dBack.flat!, dC1, dC2, c.learningRateD);

    // 3. The G step through the updated D.
    const dParams2 = this.unpack(dP2, dLayout);
    const d2 = this.forward('D2f', fake, img, c.discriminator, dParams2, 1, dStats);
    const logits2 = b.reshape(d2.out, [1, n]);
    const gLoss = this.bce(logits2, b.float([-1], [1, 1]), n);
    const lossG = b.reduceMean(gLoss.perSample, [0, 1], 0);
    const dFakeAfter = b.reduceMean(b.op('Sigmoid', [logits2]), [0, 1], 0);
    const dBack2 = this.backward('D2b', d2.caches, dParams2, b.reshape(gLoss.grad, [n, 1, 1, 1]), false, true);
    const gBack = this.backward('Gb', g.caches, gParams, dBack2.dInput!, true, false);
    const [gP2, gM2, gV2] = this.adam(gP, gM, gV, gBack.flat!, gC1, gC2, c.learningRateG);

    const flatStats = (stats: ([Name, Name] | undefined)[]) => b.concat(stats.flatMap((s) => (s ? [s[0], s[1]] : [])), 0);
    b.output('gP_out', gP2, [gLayout.size]);
    b.output('gM_out', gM2, [gLayout.size]);
    b.output('gV_out', gV2, [gLayout.size]);
    b.output('gS_out', flatStats(gStats), [gLayout.statsSize]);
    b.output('dP_out', dP2, [dLayout.size]);
    b.output('dM_out', dM2, [dLayout.size]);
    b.output('dV_out', dV2, [dLayout.size]);
    b.output('dS_out', flatStats(dStats), [dLayout.statsSize]);
    b.output('lossD', lossD, []);
    b.output('lossG', lossG, []);
    b.output('dReal', dReal, []);
    b.output('dFake', dFake, []);
    b.output('dFakeAfter', dFakeAfter, []);
    return b.encode({ graphName: 'dcgan_train_step', docString: 'One training iteration of the seed DCGAN (GAN Studio)' });
  }
}

/** The ONNX model of one training iteration at a fixed batch size. */
export function buildStepModel(config: StepGraphConfig): Uint8Array {
  return new StepGraph(config).build(netLayout(config.generator), netLayout(config.discriminator));
}
