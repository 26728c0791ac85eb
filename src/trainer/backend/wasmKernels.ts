/**
 * Kernels GAN Studio adds to tfjs-backend-wasm 4.22, which lacks Conv2DBackpropFilter (the
 * gradient of every convolution's weights). Registered once, before the backend is used.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendOps, conv2dBackpropFilterViaConv } from './convGradients';

const WASM = 'wasm';

function wasmOps(backend: tf.KernelBackend): BackendOps {
  const kernel = (name: string) => {
    const config = tf.getKernel(name, WASM);
    if (!config) throw new Error(`tfjs-backend-wasm has no ${name} kernel`);
    return config.kernelFunc as BackendOps['conv2d'];
  };
  return { backend, conv2d: kernel(tf.Conv2D), transpose: kernel(tf.Transpose) };
}

export function registerWasmKernels(): void {
  if (!tf.getKernel(tf.Conv2DBackpropFilter, WASM)) {
    tf.registerKernel({
      kernelName: tf.Conv2DBackpropFilter,
      backendName: WASM,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
        return conv2dBackpropFilterViaConv(wasmOps(backend as tf.KernelBackend), x, dy, attrs as unknown as Parameters<typeof conv2dBackpropFilterViaConv>[3]);
      },
    });
  }
}
