/**
 * Compares the convolution kernels of the default backend (wasm with GAN Studio's kernels) with
 * TensorFlow.js's reference CPU implementation. Run as a program it prints one JSON line of
 * results, so that each kernel set is checked in a process of its own (kernel registrations are
 * global): GAN_STUDIO_NO_ORT=1 checks the XNNPACK fallbacks instead of onnxruntime.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/trainer/backend/select';
import { buildDcgan, discriminatorSpec, generatorSpec, LayerSpec } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';

export interface Geometry {
  label: string;
  spec: LayerSpec;
  inSize: number;
}

/** The eight layers of the reference model (latent 100, width 64) with their input sizes. */
export function referenceGeometries(): Geometry[] {
  const g = generatorSpec(100, 64).map((spec, i) => ({ label: `G${i + 1}`, spec, inSize: [1, 4, 8, 16][i] }));
  const d = discriminatorSpec(64).map((spec, i) => ({ label: `D${i + 1}`, spec, inSize: [32, 16, 8, 4][i] }));
  return [...g, ...d];
}

/**
 * Random convolutions beyond the model's: kernels 1-5, strides 1-3, paddings 0..k-1, odd sizes.
 * Their gradients exercise Conv2DBackpropInput and Conv2DBackpropFilter on every such geometry.
 */
export function randomGeometries(count: number, seed: number): Geometry[] {
  let state = seed;
  const rand = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % n;
  };
  return Array.from({ length: count }, (_, i) => {
    const kernel = 1 + rand(5);
    const spec: LayerSpec = { kind: 'conv', inChannels: 1 + rand(6), outChannels: 1 + rand(6), kernel, stride: 1 + rand(3), pad: rand(kernel), batchNorm: false, activation: 'none' };
    return { label: `random ${i + 1} (kernel ${kernel})`, spec, inSize: kernel + rand(9) };
  });
}

export function describeGeometry(g: Geometry): string {
  const s = g.spec;
  return `${g.label}: ${s.kind} ${s.inChannels}→${s.outChannels}, stride ${s.stride}, pad ${s.pad}, ${g.inSize}x${g.inSize}`;
}

function layer(x: tf.Tensor4D, w: tf.Tensor4D, geometry: Geometry): tf.Tensor4D {
  const { spec } = geometry;
  if (spec.kind === 'conv') return tf.conv2d(x, w, spec.stride, spec.pad);
  const out = (geometry.inSize - 1) * spec.stride - 2 * spec.pad + spec.kernel;
  return tf.conv2dTranspose(x, w, [x.shape[0], out, out, spec.outChannels], spec.stride, spec.pad);
}

/** Forward output and the gradients of sum(y * r) with respect to x and w. */
function evaluate(geometry: Geometry, batch: number, seed: number): Float32Array[] {
  const { spec, inSize } = geometry;
  return tf.tidy(() => {
    const x = tf.randomNormal([batch, inSize, inSize, spec.inChannels], 0, 1, 'float32', seed) as tf.Tensor4D;
    const wShape: [number, number, number, number] =
      spec.kind === 'conv' ? [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels] : [spec.kernel, spec.kernel, spec.outChannels, spec.inChannels];
    const w = tf.randomNormal(wShape, 0, 0.1, 'float32', seed + 1) as tf.Tensor4D;
    const y = layer(x, w, geometry);
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer(a as tf.Tensor4D, b as tf.Tensor4D, geometry), r)))([x, w]);
    return [y, dx, dw].map((t) => t.dataSync() as Float32Array);
  });
}

export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

/** Gradients of one D step and one G step of the reference model (batch 4) on the current backend. */
function stepGradients(): Float32Array[] {
  const model = buildDcgan(100, 64, new Rng(42, 1));
  const real = tf.tensor4d(new Rng(3, 9).fillUniform(new Float32Array(4 * 1024), -1, 1), [4, 32, 32, 1]);
  const z = tf.tensor4d(new Rng(4, 9).fillNormal(new Float32Array(4 * 100)), [4, 1, 1, 100]);
  const out = tf.tidy(() => {
    const fake = model.generator.forward(z, 'train-recompute');
    const d = tf.variableGrads(() => tf.sum(tf.add(model.discriminator.forward(real, 'train-recompute'), tf.neg(model.discriminator.forward(fake, 'train-recompute')))) as tf.Scalar, model.discriminator.trainableVariables());
    const g = tf.variableGrads(() => tf.sum(model.discriminator.forward(model.generator.forward(z, 'train-recompute'), 'train-recompute')) as tf.Scalar, model.generator.trainableVariables());
    return [...Object.values(d.grads), ...Object.values(g.grads)].map((t) => t.dataSync() as Float32Array);
  });
  tf.dispose([real, z]);
  model.generator.dispose();
  model.discriminator.dispose();
  return out;
}

export interface CompareResult {
  backend: string;
  layers: { label: string; errors: number[] }[];
  /** Relative error of each parameter gradient of a full D step and G step, per repetition. */
  steps: number[][];
}

export async function compare(geometries: Geometry[], repetitions: number): Promise<CompareResult> {
  const layers = [];
  let backend = '';
  for (const g of geometries) {
    await selectBackend('cpu');
    const expected = evaluate(g, 2, 17);
    backend = (await selectBackend('wasm')).detail;
    const actual = evaluate(g, 2, 17);
    layers.push({ label: describeGeometry(g), errors: expected.map((e, i) => relativeError(actual[i], e)) });
  }
  await selectBackend('cpu');
  const reference = stepGradients();
  await selectBackend('wasm');
  const steps = Array.from({ length: repetitions }, () => stepGradients().map((grad, i) => relativeError(grad, reference[i])));
  return { backend, layers, steps };
}

if (require.main === module) {
  compare([...referenceGeometries(), ...randomGeometries(16, 7)], Number(process.env.REPETITIONS ?? 3)).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
