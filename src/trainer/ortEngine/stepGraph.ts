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
 * Tensors are NCHW; weights in ONNX/PyTorch layout (conv [out, in, k, k], transposed conv
 * [in, out, k, k]). Each network's parameters, Adam moments and running statistics travel as flat
 * float32 vectors (layout.ts), so Adam is a handful of element-wise ops on one vector per network.
 * Convolution weight gradients are one MatMul each over explicit patches (Pad, strided Slices,
 * Concat): faster in onnxruntime than a dilated convolution.
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
  xhat?: Name;
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
  forward(x: Name, inShape: Shape, specs: LayerSpec[], p: NetParams, groups: number, stats: ([Name, Name] | undefined)[] | undefined): { out: Name; caches: LayerCache[] } {
    const b = this.b;
    const caches: LayerCache[] = [];
    let shape = inShape;
    specs.forEach((spec, i) => {
      const [n, , h, w] = shape;
      const outShape: Shape = [n, spec.outChannels, outSize(spec, h), outSize(spec, w)];
      const input = x;
      const attrs = { kernel_shape: [spec.kernel, spec.kernel], strides: [spec.stride, spec.stride], pads: [spec.pad, spec.pad, spec.pad, spec.pad] };
      x = spec.kind === 'conv' ? b.op('Conv', [x, p.weights[i]], attrs, `d${i}`) : this.convTranspose(x, p.weights[i], shape, spec.kernel, spec.stride, spec.pad);
      const cache: LayerCache = { spec, input, inShape: shape, outShape, output: '', groups };
      if (spec.batchNorm) {
        const bn = this.batchNorm(x, outShape, p.gamma[i]!, p.beta[i]!, groups, stats?.[i]);
        x = bn.y;
        cache.xhat = bn.xhat;
        cache.rstd = bn.rstd;
      }
      x = this.activate(x, spec.activation);
      cache.output = x;
      caches.push(cache);
      shape = outShape;
    });
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

  /** BatchNorm in train mode on [g·n, C, H, W]; statistics per group of n; running statistics updated group after group. */
  batchNorm(x: Name, shape: Shape, gamma: Name, beta: Name, groups: number, stats: [Name, Name] | undefined): { y: Name; xhat: Name; rstd: Name } {
    const b = this.b;
    const [gn, c, h, w] = shape;
    const n = gn / groups;
    const x4 = b.reshape(x, [groups, n, c, h * w]);
    const mean = b.reduceMean(x4, [1, 3]);
    const xc = b.sub(x4, mean);
    const variance = b.reduceMean(b.mul(xc, xc), [1, 3]);
    const rstd = b.op('Reciprocal', [b.op('Sqrt', [b.add(variance, b.float(BN_EPS))])]);
    const xhat = b.mul(xc, rstd);
    const y = b.reshape(b.add(b.mul(xhat, b.reshape(gamma, [1, 1, c, 1])), b.reshape(beta, [1, 1, c, 1])), shape);
    if (stats) {
      const m = n * h * w;
      const unbiased = m > 1 ? m / (m - 1) : 1;
      for (let g = 0; g < groups; g++) {
        const groupMean = b.reshape(b.slice(mean, [g], [g + 1], [0]), [c]);
        const groupVar = b.reshape(b.slice(variance, [g], [g + 1], [0]), [c]);
        stats[0] = b.add(b.mul(stats[0], b.float(f32(1 - BN_MOMENTUM))), b.mul(groupMean, b.float(f32(BN_MOMENTUM))));
        stats[1] = b.add(b.mul(stats[1], b.float(f32(1 - BN_MOMENTUM))), b.mul(groupVar, b.float(f32(BN_MOMENTUM * unbiased))));
      }
    }
    return { y, xhat, rstd };
  }

  /**
   * The backward pass of a network from the gradient of its output. Returns the gradient of its
   * input (when `inputGrad`) and, when `weightGrads`, the flat gradient of its parameters in layout order.
   */
  backward(caches: LayerCache[], p: NetParams, dOut: Name, weightGrads: boolean, inputGrad: boolean): { dInput?: Name; flat?: Name } {
    const b = this.b;
    const grads: Name[][] = caches.map(() => []);
    let dy = dOut;
    for (let i = caches.length - 1; i >= 0; i--) {
      const cache = caches[i];
      const { spec, outShape } = cache;
      dy = this.activationBackward(dy, cache.output, spec.activation);
      if (spec.batchNorm) {
        const bn = this.batchNormBackward(dy, cache, p.gamma[i]!, weightGrads);
        dy = bn.dx;
        if (weightGrads) grads[i].push(bn.dGamma!, bn.dBeta!);
      }
      if (weightGrads) grads[i].unshift(this.weightGradient(cache, dy));
      if (i > 0 || inputGrad) dy = this.inputGradient(cache, p.weights[i], dy);
      void outShape;
    }
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

  batchNormBackward(dy: Name, cache: LayerCache, gamma: Name, paramGrads: boolean): { dx: Name; dGamma?: Name; dBeta?: Name } {
    const b = this.b;
    const [gn, c, h, w] = cache.outShape;
    const groups = cache.groups;
    const n = gn / groups;
    const m = n * h * w;
    const dy4 = b.reshape(dy, [groups, n, c, h * w]);
    const sumDy = b.reduceSum(dy4, [1, 3]);
    const sumDyXhat = b.reduceSum(b.mul(dy4, cache.xhat!), [1, 3]);
    const centred = b.sub(b.sub(dy4, b.div(sumDy, b.float(m))), b.mul(cache.xhat!, b.div(sumDyXhat, b.float(m))));
    const dx = b.reshape(b.mul(centred, b.mul(b.reshape(gamma, [1, 1, c, 1]), cache.rstd!)), cache.outShape);
    if (!paramGrads) return { dx };
    return { dx, dGamma: b.reshape(b.reduceSum(sumDyXhat, [0]), [c]), dBeta: b.reshape(b.reduceSum(sumDy, [0]), [c]) };
  }

  /** [C, n·H·W] from [n, C, H, W]. */
  channelMajor(x: Name, [n, c, h, w]: Shape): Name {
    const b = this.b;
    if (n === 1) return b.reshape(x, [c, h * w]);
    return b.reshape(b.transpose(x, [1, 0, 2, 3]), [c, n * h * w]);
  }

  /**
   * Patches of x [n, C, H, W] for a k×k window with stride s and padding p, at ho×wo positions:
   * [n·ho·wo, k·k·C], columns ordered (kh, kw, c).
   */
  patches(x: Name, [n, c, h, w]: Shape, k: number, s: number, p: number, ho: number, wo: number): Name {
    const b = this.b;
    const padded = p > 0 ? b.op('Pad', [x, b.ints([0, 0, p, p, 0, 0, p, p])]) : x;
    const nhwc = b.transpose(padded, [0, 2, 3, 1]);
    if (ho === 1 && wo === 1 && h + 2 * p === k && w + 2 * p === k) return b.reshape(nhwc, [n, k * k * c]);
    const slices: Name[] = [];
    for (let kh = 0; kh < k; kh++) {
      for (let kw = 0; kw < k; kw++) slices.push(b.slice(nhwc, [kh, kw], [kh + s * (ho - 1) + 1, kw + s * (wo - 1) + 1], [1, 2], [s, s]));
    }
    return b.reshape(b.concat(slices, 3), [n * ho * wo, k * k * c]);
  }

  /** The weight gradient as one MatMul: conv dW[o,i] = dyᵀ·patches(x); transposed conv dW[i,o] = xᵀ·patches(dy). */
  weightGradient(cache: LayerCache, dy: Name): Name {
    const b = this.b;
    const { spec, inShape, outShape } = cache;
    const k = spec.kernel;
    if (spec.kind === 'conv') {
      const product = b.matmul(this.channelMajor(dy, outShape), this.patches(cache.input, inShape, k, spec.stride, spec.pad, outShape[2], outShape[3]));
      return b.transpose(b.reshape(product, [spec.outChannels, k, k, spec.inChannels]), [0, 3, 1, 2]);
    }
    const product = b.matmul(this.channelMajor(cache.input, inShape), this.patches(dy, outShape, k, spec.stride, spec.pad, inShape[2], inShape[3]));
    return b.transpose(b.reshape(product, [spec.inChannels, k, k, spec.outChannels]), [0, 3, 1, 2]);
  }

  /** Conv ↔ ConvTranspose duality. */
  inputGradient(cache: LayerCache, weight: Name, dy: Name): Name {
    const { spec, inShape, outShape } = cache;
    const attrs: Record<string, number[]> = { kernel_shape: [spec.kernel, spec.kernel], strides: [spec.stride, spec.stride], pads: [spec.pad, spec.pad, spec.pad, spec.pad] };
    if (spec.kind === 'convTranspose') return this.b.op('Conv', [dy, weight], attrs, 'dx');
    const natural = (outShape[2] - 1) * spec.stride - 2 * spec.pad + spec.kernel;
    const extra = inShape[2] - natural;
    if (extra === 0) return this.convTranspose(dy, weight, outShape, spec.kernel, spec.stride, spec.pad);
    return this.b.op('ConvTranspose', [dy, weight], { ...attrs, output_padding: [extra, extra] }, 'dx');
  }

  /**
   * A transposed convolution (weight [in, out, k, k]). With stride 2, kernel 4 and padding 1 (the
   * DCGAN's upsampling) it runs as one ordinary 2×2 convolution with 4·out channels, one per output
   * phase (onnxruntime's ConvTranspose is several times slower: a GEMM and a col2im per image),
   * whose phases are cut out and interleaved with DepthToSpace:
   * y[2m+a, 2m'+b] = Σ x[m+a-1+th, m'+b-1+tw]·W[3-a-2th, 3-b-2tw] over th, tw ∈ {0, 1}.
   */
  convTranspose(x: Name, weight: Name, [, c, h, w]: Shape, k: number, s: number, p: number): Name {
    const b = this.b;
    if (!(k === 4 && s === 2 && p === 1)) return b.op('ConvTranspose', [x, weight], { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] }, 'convT');
    const taps = b.ints([3, 1, 2, 0], [2, 2]); // [a][th] -> kernel index
    const wt = b.transpose(weight, [1, 0, 2, 3]); // [out, in, 4, 4]
    const rows = b.op('Gather', [wt, taps], { axis: 2 }); // [out, in, a, th, 4]
    const both = b.op('Gather', [rows, taps], { axis: 4 }); // [out, in, a, th, b, tw]
    const phaseWeight = b.op('Transpose', [both], { perm: [2, 4, 0, 1, 3, 5] }); // [a, b, out, in, th, tw]
    const kernel = b.reshape(phaseWeight, [-1, c, 2, 2]); // [4·out, in, 2, 2]
    const all = b.op('Conv', [x, kernel], { kernel_shape: [2, 2], strides: [1, 1], pads: [1, 1, 1, 1] }, 'phases'); // [n, 4·out, h+1, w+1]
    const phases = b.opN('Split', [all], 4, { axis: 1 });
    const cut = phases.map((ph, i) => b.slice(ph, [i >> 1, i & 1], [(i >> 1) + h, (i & 1) + w], [2, 3]));
    return b.op('DepthToSpace', [b.concat(cut, 1)], { blocksize: 2, mode: { string: 'DCR' } }, 'convT');
  }

  /**
   * Mean BCE of sigmoid(logits) against label 1 (sign -1) or 0 (sign +1) as in losses.ts
   * (softplus(sign·x) clamped at 100), its gradient and mean(sigmoid(logits)).
   */
  bce(logits: Name, sign: Name, count: number): { loss: Name; grad: Name; meanProb: (x: Name) => Name; perSample: Name } {
    const b = this.b;
    const u = b.mul(logits, sign);
    const softplus = b.op('Softplus', [u]);
    const clamped = b.op('Min', [softplus, b.float(BCE_CLAMP)]);
    const live = b.op('Less', [softplus, b.float(BCE_CLAMP)]);
    const grad = b.op('Where', [live, b.div(b.mul(sign, b.op('Sigmoid', [u])), b.float(count)), b.float(0)]);
    return { loss: '', grad, meanProb: (x) => b.reduceMean(b.op('Sigmoid', [x]), [0, 1], 0), perSample: clamped };
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
    const img: Shape = [n, c.imageChannels, c.imageSize, c.imageSize];
    const real = b.input('real', img);
    const z = b.input('z', [n, c.latentSize, 1, 1]);
    const [gP, gM, gV, gS, dP, dM, dV, dS] = (['gP', 'gM', 'gV', 'gS', 'dP', 'dM', 'dV', 'dS'] as const).map((name) =>
      b.input(name, [name.endsWith('S') ? (name[0] === 'g' ? gLayout.statsSize : dLayout.statsSize) : name[0] === 'g' ? gLayout.size : dLayout.size]),
    );
    const [gC1, gC2, dC1, dC2] = ['gC1', 'gC2', 'dC1', 'dC2'].map((name) => b.input(name, [1]));

    // 1. G(z), train mode.
    const gParams = this.unpack(gP, gLayout);
    const gStats = this.unpackStats(gS, gLayout);
    const g = this.forward(z, [n, c.latentSize, 1, 1], c.generator, gParams, 1, gStats);
    const fake = g.out;

    // 2. The D step on real and fake, one batch of 2n.
    const dParams = this.unpack(dP, dLayout);
    const dStats = this.unpackStats(dS, dLayout);
    const both = b.concat([real, fake], 0);
    const d = this.forward(both, [2 * n, img[1], img[2], img[3]], c.discriminator, dParams, 2, dStats);
    const logits = b.reshape(d.out, [2, n]);
    const signs = b.float([-1, 1], [2, 1]); // real: label 1, fake: label 0
    const dLoss = this.bce(logits, signs, n);
    const perHalf = b.reduceMean(dLoss.perSample, [1], 0); // [2]
    const lossD = b.reduceSum(perHalf, [0], 0);
    const probs = b.reduceMean(b.op('Sigmoid', [logits]), [1], 0);
    const dReal = b.reshape(b.slice(probs, [0], [1], [0]), []);
    const dFake = b.reshape(b.slice(probs, [1], [2], [0]), []);
    const dBack = this.backward(d.caches, dParams, b.reshape(dLoss.grad, [2 * n, 1, 1, 1]), true, false);
    const [dP2, dM2, dV2] = this.adam(dP, dM, dV, dBack.flat!, dC1, dC2, c.learningRateD);

    // 3. The G step through the updated D.
    const dParams2 = this.unpack(dP2, dLayout);
    const d2 = this.forward(fake, img, c.discriminator, dParams2, 1, dStats);
    const logits2 = b.reshape(d2.out, [1, n]);
    const gLoss = this.bce(logits2, b.float([-1], [1, 1]), n);
    const lossG = b.reduceMean(gLoss.perSample, [0, 1], 0);
    const dFakeAfter = b.reduceMean(b.op('Sigmoid', [logits2]), [0, 1], 0);
    const dBack2 = this.backward(d2.caches, dParams2, b.reshape(gLoss.grad, [n, 1, 1, 1]), false, true);
    const gBack = this.backward(g.caches, gParams, dBack2.dInput!, true, false);
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
