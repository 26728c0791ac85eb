/**
 * Exports a checkpoint's generator as an ONNX model (`generator.onnx` + README) for onnxruntime,
 * in Python or anywhere else: input `z` [batch, latent] float32 (standard normal), output
 * `image` [batch, channels, height, width] (NCHW, tanh, in [-1, 1]). A conditional generator has a
 * second input, `label` [batch, classes] float32: one-hot rows (or mixtures of classes), reshaped
 * and concatenated after z's channels, as the trainer's G does. Opset 17, encoded by
 * onnx-proto through the same builder as the trainer's kernel graphs (../backend/ort/onnxModel).
 *
 * Each generator layer becomes one ConvTranspose with BatchNorm folded in (eval mode: the running
 * statistics), then Relu or Tanh. Layouts: a checkpoint's G filters are TensorFlow.js
 * conv2dTranspose filters [k, k, out, in]; ONNX (like PyTorch) wants [in, out, k, k], the same
 * taps transposed. Folding: s = gamma / sqrt(running_var + eps) per output channel,
 * W' = W * s (over the output channel), bias = beta - running_mean * s.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic } from '../common/atomicFile';
import type { CheckpointManifest } from '../protocol/runFormat';
import { buildOnnxModel, OnnxInitializer, OnnxNode, ONNX_OPSET } from '../trainer/backend/ort/onnxModel';
import { BN_EPS } from '../trainer/model/batchNorm';
import { architectureOf, generatorSpec } from '../trainer/model/dcgan';
import { imageShapeOf } from './imageShape';
import { datasetClassNames } from '../trainer/data/datasets';
import { ExportError } from './tfjsExport';

export const ONNX_FILE = 'generator.onnx';
export const ONNX_README_FILE = 'README.md';
export const ONNX_INPUT = 'z';
export const ONNX_OUTPUT = 'image';
/** The class input of a conditional generator's export. */
export const ONNX_LABEL_INPUT = 'label';


/** The pixel mapping a consumer should apply, as written into metadata_props and the README. */
export const PIXEL_MAPPING = 'uint8 = round((v + 1) / 2 * 255), v in [-1, 1]';

function tensorOf(tensors: ReadonlyMap<string, Float32Array>, name: string, count: number): Float32Array {
  const values = tensors.get(name);
  if (!values || values.length !== count) {
    throw new ExportError(
      `The checkpoint's ${name} ${values ? `has ${values.length} values, expected ${count}` : 'is missing'}.`,
      'The checkpoint does not hold the generator its config describes; export another checkpoint of the run.',
    );
  }
  return values;
}

/** metadata_props of the exported model: where it came from and how to use its output. */
export function onnxMetadata(manifest: CheckpointManifest, ganStudioVersion: string, runName?: string): Record<string, string> {
  const [h, w, c] = imageShapeOf(manifest.config);
  const { classes } = architectureOf(manifest.config);
  return {
    ...(classes > 0
      ? { classes: String(classes), class_names: datasetClassNames(manifest.config.dataset).slice(0, classes).join(','), label_input: `${ONNX_LABEL_INPUT} [batch, ${classes}] float32, one-hot (or a mix of classes)` }
      : {}),
    'gan_studio.version': ganStudioVersion,
    'gan_studio.run_id': manifest.runId,
    ...(runName ? { 'gan_studio.run_name': runName } : {}),
    'gan_studio.checkpoint': manifest.id,
    'gan_studio.step': String(manifest.step),
    'gan_studio.epoch': String(manifest.epoch),
    latent_size: String(manifest.config.latentSize),
    latent_distribution: 'standard normal, float32',
    output_layout: `NCHW [batch, ${c}, ${h}, ${w}]`,
    output_range: '[-1, 1] (tanh)',
    pixel_mapping: PIXEL_MAPPING,
    batch_norm: 'folded with the running statistics (eval mode)',
  };
}

/** The generator of `manifest` with the checkpoint's `tensors` as an ONNX ModelProto. */
export function generatorOnnxModel(manifest: CheckpointManifest, tensors: ReadonlyMap<string, Float32Array>, ganStudioVersion: string, runName?: string): Uint8Array {
  const { latentSize, featureSize } = manifest.config;
  const architecture = architectureOf(manifest.config);
  const specs = generatorSpec(latentSize, featureSize, architecture);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [{ name: 'z_shape', type: 'int64', dims: [4], data: [0, latentSize, 1, 1] }];
  nodes.push({ op: 'Reshape', inputs: [ONNX_INPUT, 'z_shape'], outputs: ['x0'] });
  let x = 'x0';
  const inputs = [{ name: ONNX_INPUT, shape: ['batch', latentSize] as (string | number)[] }];
  if (architecture.classes > 0) {
    // The class as extra input channels after z's: [batch, classes] -> [batch, classes, 1, 1], concatenated.
    initializers.push({ name: 'label_shape', type: 'int64', dims: [4], data: [0, architecture.classes, 1, 1] });
    nodes.push({ op: 'Reshape', inputs: [ONNX_LABEL_INPUT, 'label_shape'], outputs: ['label_map'] });
    nodes.push({ op: 'Concat', inputs: ['x0', 'label_map'], outputs: ['x0_label'], attrs: { axis: 1 } });
    inputs.push({ name: ONNX_LABEL_INPUT, shape: ['batch', architecture.classes] });
    x = 'x0_label';
  }
  specs.forEach((spec, i) => {
    const { kernel: k, inChannels: ci, outChannels: co } = spec;
    if (spec.kind !== 'convTranspose') throw new ExportError(`Generator layer ${i} is a ${spec.kind}, not a transposed convolution.`, 'Export supports the DCGAN generator of GAN Studio only.');
    const filter = tensorOf(tensors, `G/${i}/weight`, k * k * co * ci);
    const scale = new Float32Array(co).fill(1);
    const bias = new Float32Array(co);
    if (spec.batchNorm) {
      const gamma = tensorOf(tensors, `G/${i}/bn/gamma`, co);
      const beta = tensorOf(tensors, `G/${i}/bn/beta`, co);
      const mean = tensorOf(tensors, `G/${i}/bn/running_mean`, co);
      const variance = tensorOf(tensors, `G/${i}/bn/running_var`, co);
      for (let o = 0; o < co; o++) {
        // In float64, rounded once to float32, so the folded model is as close as it can be.
        const s = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
        scale[o] = s;
        bias[o] = beta[o] - mean[o] * s;
      }
    }
    // [kh, kw, out, in] -> [in, out, kh, kw], scaled per output channel.
    const weight = new Float32Array(ci * co * k * k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        for (let o = 0; o < co; o++) {
          for (let c = 0; c < ci; c++) weight[((c * co + o) * k + a) * k + b] = filter[((a * k + b) * co + o) * ci + c] * scale[o];
        }
      }
    }
    initializers.push({ name: `g${i}_weight`, type: 'float', dims: [ci, co, k, k], data: weight });
    initializers.push({ name: `g${i}_bias`, type: 'float', dims: [co], data: bias });
    const conv = `g${i}_conv`;
    nodes.push({
      op: 'ConvTranspose',
      inputs: [x, `g${i}_weight`, `g${i}_bias`],
      outputs: [conv],
      attrs: { kernel_shape: [k, k], strides: [spec.stride, spec.stride], pads: [spec.pad, spec.pad, spec.pad, spec.pad] },
    });
    const last = i === specs.length - 1;
    if (last && spec.activation !== 'tanh') throw new ExportError('The generator does not end in tanh.', 'Export supports the DCGAN generator of GAN Studio only.');
    const op = spec.activation === 'tanh' ? 'Tanh' : spec.activation === 'relu' ? 'Relu' : undefined;
    if (!op) throw new ExportError(`Generator layer ${i} has the activation ${spec.activation}, which the ONNX export does not write.`, 'Export supports the DCGAN generator of GAN Studio only.');
    x = last ? ONNX_OUTPUT : `g${i}_${op.toLowerCase()}`;
    nodes.push({ op, inputs: [conv], outputs: [x] });
  });
  const [h, w, c] = imageShapeOf(manifest.config);
  return buildOnnxModel(
    { nodes, initializers, inputs, outputs: [{ name: ONNX_OUTPUT, shape: ['batch', c, h, w] }] },
    {
      graphName: 'gan_studio_generator',
      producerVersion: ganStudioVersion,
      docString: `DCGAN generator of GAN Studio run ${manifest.runId}, checkpoint ${manifest.id} (step ${manifest.step}).`,
      metadata: onnxMetadata(manifest, ganStudioVersion, runName),
    },
  );
}

export function onnxReadme(title: string, manifest: CheckpointManifest): string {
  const { latentSize } = manifest.config;
  const [h, w, c] = imageShapeOf(manifest.config);
  const { classes } = architectureOf(manifest.config);
  const names = datasetClassNames(manifest.config.dataset).slice(0, classes);
  const labelRow = classes > 0 ? `| input \`${ONNX_LABEL_INPUT}\` | \`[batch, ${classes}]\` float32 one-hot classes (${names.map((n, i) => `${i} ${n}`).join(', ')}); a mix of two rows interpolates between classes |\n` : '';
  const labelFeed = classes > 0 ? `, "${ONNX_LABEL_INPUT}": np.eye(${classes}, dtype=np.float32)[np.arange(16) % ${classes}]` : '';
  return `# ${title}: generator at step ${manifest.step} (ONNX)

A DCGAN generator exported by GAN Studio from checkpoint \`${manifest.id}\` of run \`${manifest.runId}\`
(epoch ${manifest.epoch}, ${manifest.step} iterations), as an ONNX model (opset ${ONNX_OPSET}).

| | |
|---|---|
| input \`${ONNX_INPUT}\` | \`[batch, ${latentSize}]\` float32 latent vectors, standard normal (the training noise) |
${labelRow}| output \`${ONNX_OUTPUT}\` | \`[batch, ${c}, ${h}, ${w}]\` (NCHW), tanh, values in [-1, 1] |
| pixels | \`${PIXEL_MAPPING}\` |
| BatchNorm | folded into the convolutions with the running statistics (PyTorch's \`eval()\`) |
| metadata | \`metadata_props\`: run, checkpoint, step, latent size, layout, pixel mapping |

## Use it from Python

\`\`\`python
import numpy as np
import onnxruntime as ort

session = ort.InferenceSession("${ONNX_FILE}")
meta = session.get_modelmeta().custom_metadata_map
z = np.random.default_rng(0).standard_normal((16, int(meta["latent_size"])), dtype=np.float32)
images = session.run(["${ONNX_OUTPUT}"], {"${ONNX_INPUT}": z${labelFeed}})[0]       # [16, ${c}, ${h}, ${w}] in [-1, 1]
pixels = np.round((images + 1) / 2 * 255).astype(np.uint8)   # 8-bit ${c === 3 ? 'RGB' : 'grey'} values
\`\`\`

The run's sample grids were rendered in training mode (BatchNorm with the statistics of the batch)
and with a min-max mapping over the whole grid, so single images from this model can look
slightly different in contrast from the grids.
`;
}

/** Writes generator.onnx and the README into `outDir` (atomically: all or nothing). */
export function writeOnnxExport(
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
  const bytes = generatorOnnxModel(manifest, tensors, ganStudioVersion, title);
  const [h, w, c] = imageShapeOf(manifest.config);
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  writeDirAtomic(outDir, (temp) => {
    fs.writeFileSync(path.join(temp, ONNX_FILE), bytes);
    fs.writeFileSync(path.join(temp, ONNX_README_FILE), onnxReadme(title, manifest));
  });
  return { files: [ONNX_FILE, ONNX_README_FILE], outputShape: [c, h, w] };
}
