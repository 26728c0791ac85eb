/**
 * The convolution kernels GAN Studio registers or replaces on the default backend give the same
 * results as TensorFlow.js's reference CPU implementation, for every layer geometry of the model.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/trainer/backend/select';
import { discriminatorSpec, generatorSpec, LayerSpec } from '../../../src/trainer/model/dcgan';

interface Geometry {
  label: string;
  spec: LayerSpec;
  inSize: number;
}

/** The eight layers of the reference model (latent 100, width 64) with their input sizes. */
function referenceGeometries(): Geometry[] {
  const g = generatorSpec(100, 64).map((spec, i) => ({ label: `G${i + 1}`, spec, inSize: [1, 4, 8, 16][i] }));
  const d = discriminatorSpec(64).map((spec, i) => ({ label: `D${i + 1}`, spec, inSize: [32, 16, 8, 4][i] }));
  return [...g, ...d];
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
      spec.kind === 'conv' ? [4, 4, spec.inChannels, spec.outChannels] : [4, 4, spec.outChannels, spec.inChannels];
    const w = tf.randomNormal(wShape, 0, 0.1, 'float32', seed + 1) as tf.Tensor4D;
    const y = layer(x, w, geometry);
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', seed + 2);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(layer(a as tf.Tensor4D, b as tf.Tensor4D, geometry), r)))([x, w]);
    return [y, dx, dw].map((t) => t.dataSync() as Float32Array);
  });
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

describe('convolution kernels on the wasm backend match the CPU reference', function () {
  this.timeout(300000);
  after(async () => {
    await selectBackend('cpu');
  });

  for (const geometry of referenceGeometries()) {
    it(`${geometry.label}: ${geometry.spec.kind} ${geometry.spec.inChannels}→${geometry.spec.outChannels}, stride ${geometry.spec.stride}, pad ${geometry.spec.pad}, ${geometry.inSize}x${geometry.inSize}`, async () => {
      await selectBackend('cpu');
      const expected = evaluate(geometry, 3, 17);
      await selectBackend('wasm');
      const actual = evaluate(geometry, 3, 17);
      ['output', 'input gradient', 'filter gradient'].forEach((what, i) => {
        assert.equal(actual[i].length, expected[i].length, `${what} size`);
        const error = relativeError(actual[i], expected[i]);
        assert.ok(error < 2e-5, `${what}: relative error ${error.toExponential(2)}`);
      });
    });
  }
});
