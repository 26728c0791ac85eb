/**
 * Every kernel that one training step of the smoke preset runs (the reference architecture at width
 * 8, batch 16), recorded call by call on the CPU backend with the generic BatchNorm (the path the
 * webgpu backend takes: GAN Studio's fused kernels exist for cpu and wasm only) and replayed on
 * the webgpu backend (SwiftShader here) with the same inputs and attributes.
 */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { presetConfig } from '../../src/protocol/experimentConfig';
import { BN_BACKWARD, BN_FORWARD, hasFusedBatchNorm, registerBatchNormKernels } from '../../src/trainer/backend/batchNormKernels';
import { selectBackend } from '../../src/trainer/backend/select';
import { buildDcgan } from '../../src/trainer/model/dcgan';
import { Rng, RNG_STREAMS } from '../../src/trainer/rng';
import { disposeStep, GanOptimizers, trainStep } from '../../src/trainer/train/step';
import { scaledError, useWebgpu } from './swiftshader';

interface Value {
  shape: number[];
  dtype: tf.DataType;
  values: tf.TypedArray;
}

interface Call {
  name: string;
  inputs: Record<string, Value>;
  attrs: tf.NamedAttrMap;
  outputs: Value[];
}

function read(backend: tf.KernelBackend, info: tf.TensorInfo): Value {
  return { shape: info.shape.slice(), dtype: info.dtype, values: (backend.readSync(info.dataId) as tf.TypedArray).slice() };
}

/** Runs `work` on the CPU backend and records each distinct kernel call (name, input shapes, attributes). */
function recordCpuKernels(work: () => void): Call[] {
  const configs = tf.getKernelsForBackend('cpu');
  const calls = new Map<string, Call>();
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, 'cpu');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const backend = args.backend as tf.KernelBackend;
        const inputs: Record<string, Value> = {};
        for (const [k, v] of Object.entries(args.inputs)) if (v) inputs[k] = read(backend, v);
        const out = config.kernelFunc(args);
        const attrs = { ...(args.attrs ?? {}) };
        const key = `${config.kernelName} ${JSON.stringify(Object.entries(inputs).map(([k, v]) => [k, v.shape, v.dtype]))} ${JSON.stringify(attrs)}`;
        if (!calls.has(key)) calls.set(key, { name: config.kernelName, inputs, attrs, outputs: (Array.isArray(out) ? out : [out]).map((o) => read(backend, o)) });
        return out;
      },
    });
  }
  try {
    work();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, 'cpu');
      tf.registerKernel(config);
    }
  }
  return [...calls.values()];
}

describe('webgpu kernels of the training step (SwiftShader vs the CPU backend)', () => {
  let calls: Call[];

  before(async () => {
    await selectBackend('cpu');
    // The generic BatchNorm, as on webgpu.
    tf.unregisterKernel(BN_FORWARD, 'cpu');
    tf.unregisterKernel(BN_BACKWARD, 'cpu');
    const config = presetConfig('smoke');
    const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights));
    const optimizers = new GanOptimizers(config);
    const real = new Rng(1, 9).fillUniform(new Float32Array(config.batchSize * 1024), -1, 1);
    const noise = new Rng(2, 9).fillNormal(new Float32Array(config.batchSize * config.latentSize));
    try {
      calls = recordCpuKernels(() => disposeStep(trainStep(model, optimizers, real, noise)));
    } finally {
      registerBatchNormKernels();
      model.generator.dispose();
      model.discriminator.dispose();
      optimizers.dispose();
    }
  });

  after(async () => {
    await selectBackend('cpu');
  });

  it('records the convolutions, their gradients, Adam and the losses', () => {
    const names = new Set(calls.map((c) => c.name));
    for (const name of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Softplus', 'Sigmoid', 'Sqrt', 'Mean', 'Sum', 'Rsqrt']) {
      assert.ok(names.has(name), `${name} is among the recorded kernels: ${[...names].sort().join(', ')}`);
    }
    assert.ok(calls.length > 50, `${calls.length} distinct calls`);
  });

  it('leaves GAN Studio’s speed kernels (fused BatchNorm) off the webgpu backend', async () => {
    await useWebgpu();
    assert.equal(tf.getBackend(), 'webgpu');
    assert.equal(hasFusedBatchNorm(), false, 'the model takes the generic BatchNorm on webgpu');
    assert.equal(tf.getKernel(BN_FORWARD, 'webgpu'), undefined);
    assert.equal(tf.getKernel(BN_BACKWARD, 'webgpu'), undefined);
  });

  it('gives the CPU backend’s results for every recorded call, within float32 tolerance', async () => {
    await useWebgpu();
    const missing = [...new Set(calls.map((c) => c.name))].filter((name) => !tf.getKernel(name, 'webgpu'));
    assert.deepEqual(missing, [], 'kernels without a webgpu implementation');
    const failures: string[] = [];
    let worstSeen = 0;
    for (const call of calls) {
      const inputs: tf.NamedTensorMap = {};
      for (const [k, v] of Object.entries(call.inputs)) inputs[k] = tf.tensor(v.values, v.shape, v.dtype);
      const result = tf.engine().runKernel(call.name, inputs, call.attrs);
      const outputs = Array.isArray(result) ? result : [result];
      for (let i = 0; i < call.outputs.length; i++) {
        const expected = call.outputs[i];
        const actual = outputs[i] as tf.Tensor;
        const where = `${call.name} output ${i} ${JSON.stringify(expected.shape)} (inputs ${Object.entries(call.inputs).map(([k, v]) => `${k} ${JSON.stringify(v.shape)}`).join(', ')}; attrs ${JSON.stringify(call.attrs)})`;
        if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape) || actual.dtype !== expected.dtype) {
          failures.push(`${where}: shape ${JSON.stringify(actual.shape)} ${actual.dtype}`);
          continue;
        }
        const error = scaledError(await actual.data(), expected.values);
        worstSeen = Math.max(worstSeen, error);
        // float32 rounding over sums of up to a few thousand terms; exact for integers and booleans.
        if (error > (expected.dtype === 'float32' ? 1e-4 : 0)) failures.push(`${where}: error ${error.toExponential(2)} of the output's scale`);
      }
      tf.dispose([...Object.values(inputs), ...outputs]);
    }
    assert.deepEqual(failures, [], `worst scaled error ${worstSeen.toExponential(2)} over ${calls.length} calls`);
    console.log(`      ${calls.length} distinct kernel calls (${new Set(calls.map((c) => c.name)).size} kernels); worst scaled error ${worstSeen.toExponential(2)}`);
  });
});
