/**
 * Exports a checkpoint's generator as a TensorFlow.js Layers model (`model.json` + one weights
 * shard) that `tf.loadLayersModel` loads in a browser, plus a README. The topology is written as
 * JSON here (no tfjs-layers in the trainer): Reshape(latent → 1x1xlatent), then per layer of the
 * seed's generator a Conv2DTranspose (no bias), BatchNormalization and ReLU, the last with tanh.
 *
 * Layouts: a checkpoint's G filters are TensorFlow.js conv2dTranspose filters, [k, k, out, in],
 * which is also the kernel layout of tfjs-layers' Conv2DTranspose, so they are copied as they
 * are. PyTorch's padding 1 with stride 2 and kernel 4 is exactly Keras' "same" (one pixel each
 * side); padding 0 with stride 1 is "valid". BatchNorm: eps 1e-5; Keras momentum 0.9 is PyTorch's
 * 0.1. `predict` uses the running statistics (PyTorch's eval mode).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic } from '../common/atomicFile';
import { ExperimentConfig } from '../protocol/experimentConfig';
import type { CheckpointManifest } from '../protocol/runFormat';
import { BN_EPS, BN_MOMENTUM } from '../trainer/model/batchNorm';
import { architectureOf, generatorSpec, LayerSpec } from '../trainer/model/dcgan';
import { datasetClassNames } from '../trainer/data/datasets';
import { imageShapeOf } from './imageShape';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'group1-shard1of1.bin';
export const README_FILE = 'README.md';

interface WeightEntry {
  /** Name in the Layers model, e.g. "g0_convtranspose/kernel". */
  name: string;
  /** Tensor name in the checkpoint, e.g. "G/0/weight". */
  source: string;
  shape: number[];
}

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

export class ExportError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

/** Keras' padding name for a transposed convolution with PyTorch's explicit padding. */
function kerasPadding(spec: LayerSpec): 'valid' | 'same' {
  if (spec.pad === 0 && spec.stride === 1) return 'valid';
  // "same" pads (k - s) in total, split evenly; the output is input x stride.
  if (spec.kernel - spec.stride === 2 * spec.pad) return 'same';
  throw new ExportError(`A transposed convolution with kernel ${spec.kernel}, stride ${spec.stride} and padding ${spec.pad} has no Keras padding equivalent.`, 'Export supports the DCGAN generator of GAN Studio only.');
}

export interface LayersModel {
  modelJson: Record<string, unknown>;
  weights: WeightEntry[];
}

/** The class input of a conditional generator's export (a second model input). */
export const TFJS_LABEL_INPUT = 'label';

/**
 * A conditional generator as a functional Layers model: inputs z [batch, latent] and label
 * [batch, classes], each reshaped to a 1x1 map and concatenated (z's channels first, as the
 * trainer's G), then the same layers as the unconditional Sequential model, in a chain.
 */
function functionalTopology(layers: KerasLayer[], latentSize: number, classes: number): Record<string, unknown> {
  const input = (name: string, size: number) => ({ class_name: 'InputLayer', name, inbound_nodes: [], config: { name, batch_input_shape: [null, size], dtype: 'float32', sparse: false } });
  const [latentToMap, ...rest] = layers;
  const chain: Record<string, unknown>[] = [
    input('z', latentSize),
    input(TFJS_LABEL_INPUT, classes),
    { class_name: 'Reshape', name: 'latent_to_map', inbound_nodes: [[['z', 0, 0, {}]]], config: { name: 'latent_to_map', trainable: false, dtype: 'float32', target_shape: [1, 1, latentSize] } },
    { class_name: 'Reshape', name: 'label_to_map', inbound_nodes: [[[TFJS_LABEL_INPUT, 0, 0, {}]]], config: { name: 'label_to_map', trainable: false, dtype: 'float32', target_shape: [1, 1, classes] } },
    { class_name: 'Concatenate', name: 'latent_and_label', inbound_nodes: [[['latent_to_map', 0, 0, {}], ['label_to_map', 0, 0, {}]]], config: { name: 'latent_and_label', trainable: false, dtype: 'float32', axis: -1 } },
  ];
  void latentToMap;
  let previous = 'latent_and_label';
  for (const layer of rest) {
    const name = String(layer.config.name);
    chain.push({ class_name: layer.class_name, name, inbound_nodes: [[[previous, 0, 0, {}]]], config: layer.config });
    previous = name;
  }
  return { class_name: 'Model', config: { name: 'generator', layers: chain, input_layers: [['z', 0, 0], [TFJS_LABEL_INPUT, 0, 0]], output_layers: [[previous, 0, 0]] }, backend: 'tensor_flow.js' };
}

/** The Layers topology and the weight list of the generator that `config` describes. */
export function generatorLayersModel(
  config: Pick<ExperimentConfig, 'latentSize' | 'featureSize'> & Partial<Pick<ExperimentConfig, 'conditional' | 'imageSize' | 'channels' | 'dataset'>>,
  metadata: Record<string, unknown>,
): LayersModel {
  const architecture = architectureOf(config);
  const specs = generatorSpec(config.latentSize, config.featureSize, architecture);
  const layers: KerasLayer[] = [
    {
      class_name: 'Reshape',
      config: { name: 'latent_to_map', trainable: false, batch_input_shape: [null, config.latentSize], dtype: 'float32', target_shape: [1, 1, config.latentSize] },
    },
  ];
  const weights: WeightEntry[] = [];
  specs.forEach((spec, i) => {
    const conv = `g${i}_convtranspose`;
    const last = i === specs.length - 1;
    layers.push({
      class_name: 'Conv2DTranspose',
      config: {
        name: conv,
        trainable: true,
        dtype: 'float32',
        filters: spec.outChannels,
        kernel_size: [spec.kernel, spec.kernel],
        strides: [spec.stride, spec.stride],
        padding: kerasPadding(spec),
        data_format: 'channels_last',
        // The activation folds into the convolution only where no BatchNorm comes between.
        activation: spec.batchNorm ? 'linear' : spec.activation === 'tanh' ? 'tanh' : spec.activation === 'relu' ? 'relu' : 'linear',
        use_bias: false,
      },
    });
    weights.push({ name: `${conv}/kernel`, source: `G/${i}/weight`, shape: [spec.kernel, spec.kernel, spec.outChannels, spec.inChannels] });
    if (spec.batchNorm) {
      const bn = `g${i}_batchnorm`;
      layers.push({
        class_name: 'BatchNormalization',
        config: { name: bn, trainable: true, dtype: 'float32', axis: -1, momentum: 1 - BN_MOMENTUM, epsilon: BN_EPS, center: true, scale: true },
      });
      for (const [kerasName, ours] of [['gamma', 'gamma'], ['beta', 'beta'], ['moving_mean', 'running_mean'], ['moving_variance', 'running_var']]) {
        weights.push({ name: `${bn}/${kerasName}`, source: `G/${i}/bn/${ours}`, shape: [spec.outChannels] });
      }
      if (spec.activation !== 'none') {
        layers.push({ class_name: 'Activation', config: { name: `g${i}_${spec.activation}`, trainable: false, dtype: 'float32', activation: spec.activation } });
      }
    }
    if (last && spec.activation !== 'tanh') throw new ExportError('The generator does not end in tanh.', 'Export supports the DCGAN generator of GAN Studio only.');
  });
  const modelJson = {
    format: 'layers-model',
    generatedBy: `GAN Studio ${metadata.ganStudioVersion ?? ''}`.trim(),
    convertedBy: null,
    modelTopology:
      architecture.classes > 0
        ? functionalTopology(layers, config.latentSize, architecture.classes)
        : { class_name: 'Sequential', config: { name: 'generator', layers }, backend: 'tensor_flow.js' },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    userDefinedMetadata: { ganStudio: metadata },
  };
  return { modelJson, weights };
}

/** Concatenates the checkpoint tensors of `weights` (float32, little-endian) in manifest order. */
export function weightsData(weights: WeightEntry[], tensors: ReadonlyMap<string, Float32Array>): Uint8Array {
  const total = weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const w of weights) {
    const values = tensors.get(w.source);
    const count = w.shape.reduce((a, b) => a * b, 1);
    if (!values || values.length !== count) {
      throw new ExportError(
        `The checkpoint's ${w.source} ${values ? `has ${values.length} values, expected ${count}` : 'is missing'}.`,
        'The checkpoint does not hold the generator its config describes; export another checkpoint of the run.',
      );
    }
    data.set(values, offset);
    offset += count;
  }
  return new Uint8Array(data.buffer);
}

export function exportReadme(title: string, manifest: CheckpointManifest, outputShape: number[]): string {
  const { latentSize } = manifest.config;
  const [h, w, c] = outputShape;
  const { classes } = architectureOf(manifest.config);
  const classNames = datasetClassNames(manifest.config.dataset);
  const conditional =
    classes > 0
      ? `
## A conditional generator: two inputs

This generator was trained with \`"conditional": true\`: \`model.predict([z, label])\` takes a second
input \`${TFJS_LABEL_INPUT}\`, \`[batch, ${classes}]\` float32 one-hot classes
(${classNames.slice(0, classes).map((n, i) => `${i} ${n}`).join(', ')}); a mix of two one-hot rows
interpolates between the classes. For example \`tf.oneHot(tf.tensor1d([7], 'int32'), ${classes}).toFloat()\` asks for
class 7 (${classNames[7]}).
`
      : '';
  return `# ${title}: generator at step ${manifest.step}
${conditional}
A DCGAN generator exported by GAN Studio from checkpoint \`${manifest.id}\` of run \`${manifest.runId}\`
(epoch ${manifest.epoch}, ${manifest.step} iterations), as a TensorFlow.js Layers model.

| | |
|---|---|
| input | \`[batch, ${latentSize}]\` float32 latent vectors, standard normal (the training noise) |
| output | \`[batch, ${h}, ${w}, ${c}]\` (NHWC), tanh, values in [-1, 1] |
| files | \`${MODEL_FILE}\` (topology and weights manifest), \`${WEIGHTS_FILE}\` (float32 weights) |

## Use it in a browser

\`\`\`html
<script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4/dist/tf.min.js"></script>
<canvas id="out"></canvas>
<script type="module">
  const model = await tf.loadLayersModel('${MODEL_FILE}');   // served next to ${WEIGHTS_FILE}
  const z = tf.randomNormal([1, ${latentSize}]);
  const image = model.predict(z);                          // [1, ${h}, ${w}, ${c}] in [-1, 1]
  // Pixels: (v + 1) / 2 maps [-1, 1] to [0, 1]; times 255 for 8-bit values.
  const pixels = image.add(1).div(2).squeeze([0]);        // [${h}, ${w}, ${c}] in [0, 1]
  await tf.browser.toPixels(pixels, document.getElementById('out'));
</script>
\`\`\`

In Node: \`tf.loadLayersModel('file://path/to/${MODEL_FILE}')\` with \`@tensorflow/tfjs-node\`.

## BatchNorm: the two ways to run it

- \`model.predict(z)\` uses the **running statistics** saved in the checkpoint (PyTorch's
  \`eval()\`): each image depends only on its own latent vector. This is what the GAN Studio
  playground shows by default, and what you want for single images.
- The run's sample grids were rendered like the seed lesson, in **training mode**: BatchNorm
  normalises with the statistics of the batch being generated. \`model.apply(z, {training: true})\`
  does the same (a batch of 64 of the run's fixed noise reproduces its grid), but it also updates
  the model's running statistics, so later \`predict\` calls change; reload the model afterwards.

The sample grids map pixels with a min-max over the whole batch (\`make_grid(normalize=True)\`)
rather than the fixed (v + 1) / 2 above, so their contrast can differ slightly.
`;
}

/** Writes model.json, the weights and the README into `outDir` (atomically: all or nothing). */
export function writeTfjsExport(
  outDir: string,
  replace: boolean,
  title: string,
  manifest: CheckpointManifest,
  tensors: ReadonlyMap<string, Float32Array>,
  ganStudioVersion: string,
): { files: string[]; outputShape: number[] } {
  if (fs.existsSync(outDir) && !replace) {
    throw new ExportError(`${outDir} already exists.`, 'Choose another folder, or confirm that the existing export may be replaced.');
  }
  const { config } = manifest;
  const outputShape = [...imageShapeOf(config)];
  const metadata = {
    ganStudioVersion,
    runId: manifest.runId,
    checkpoint: manifest.id,
    step: manifest.step,
    epoch: manifest.epoch,
    latentSize: config.latentSize,
    featureSize: config.featureSize,
    ...(config.conditional ? { classes: architectureOf(config).classes, classNames: datasetClassNames(config.dataset).slice(0, architectureOf(config).classes), labelInput: TFJS_LABEL_INPUT } : {}),
    outputShape,
    outputRange: [-1, 1],
    batchNorm: 'predict() uses running statistics (eval); apply(z, {training: true}) uses batch statistics like the sample grids',
  };
  const { modelJson, weights } = generatorLayersModel(config, metadata);
  const data = weightsData(weights, tensors);
  const files = [MODEL_FILE, WEIGHTS_FILE, README_FILE];
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  writeDirAtomic(outDir, (temp) => {
    fs.writeFileSync(path.join(temp, MODEL_FILE), `${JSON.stringify(modelJson, null, 1)}\n`);
    fs.writeFileSync(path.join(temp, WEIGHTS_FILE), data);
    fs.writeFileSync(path.join(temp, README_FILE), exportReadme(title, manifest, outputShape));
  });
  return { files, outputShape };
}
