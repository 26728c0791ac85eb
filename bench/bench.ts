/**
 * npm run bench: training-step throughput of the reference DCGAN (batch 128) with GAN Studio's
 * engine on each available backend variant, against the seed's PyTorch loop on the same machine in
 * the same invocation (bench/pytorch_reference.py, Debian's python3-torch with OpenBLAS).
 *
 *   npm run bench -- [--steps 5] [--repeats 3] [--warmup 2] [--variants default,wasm-stock] [--no-pytorch]
 *   npm run bench -- --variants webgpu [--pytorch-device cuda] [--preset smoke]
 *
 * The webgpu variant (Dawn on the first adapter it finds, hardware or software) runs only when
 * asked for; bench/gpu.sh runs it on an NVIDIA GPU beside PyTorch. --preset smoke shrinks the
 * model and batch (to check the script end to end on a software GPU, not for figures).
 *
 * Every variant runs in its own process (kernel registrations are global). Prints a table and ends
 * with `ratio_vs_pytorch: <number>` for the engine's default backend.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { presetConfig } from '../src/protocol/experimentConfig';
import { PresetName } from '../src/protocol/experimentConfig';
import { releaseBackend, selectBackend, WasmKernelSet } from '../src/trainer/backend/select';
import { buildDcgan, discriminatorSpec, generatorSpec, LayerSpec } from '../src/trainer/model/dcgan';
import { Rng } from '../src/trainer/rng';
import { disposeStep, GanOptimizers, readStep, trainStep } from '../src/trainer/train/step';

interface Variant {
  name: string;
  description: string;
  backend: 'auto' | 'wasm' | 'cpu' | 'webgpu';
  wasmKernels?: WasmKernelSet;
  /** Run only when named in --variants. */
  onRequest?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'default', description: 'what "Train GAN" uses here (backend auto)', backend: 'auto' },
  { name: 'wasm-stock', description: 'tfjs-backend-wasm as shipped (+ the missing Conv2DBackpropFilter)', backend: 'wasm', wasmKernels: 'stock' },
  { name: 'wasm-xnnpack', description: 'wasm with convolution gradients on XNNPACK (no onnxruntime)', backend: 'wasm', wasmKernels: 'xnnpack' },
  { name: 'wasm-ort', description: 'wasm with the convolutions on onnxruntime-node', backend: 'wasm', wasmKernels: 'ort' },
  { name: 'webgpu', description: 'tfjs-backend-webgpu on Dawn (Vulkan, Metal or Direct3D 12)', backend: 'webgpu', onRequest: true },
];

interface Result {
  variant: string;
  detail: string;
  stepsPerSec: number;
  runs: number[];
  error?: string;
}

/** Multiply-accumulates of a convolution layer's forward pass at batch `n`. */
function layerMacs(spec: LayerSpec, inSize: number, n: number): number {
  const outSize = spec.kind === 'conv' ? Math.floor((inSize + 2 * spec.pad - spec.kernel) / spec.stride) + 1 : (inSize - 1) * spec.stride - 2 * spec.pad + spec.kernel;
  const positions = spec.kind === 'conv' ? outSize * outSize : inSize * inSize;
  return n * positions * spec.kernel * spec.kernel * spec.inChannels * spec.outChannels;
}

/**
 * FLOPs of one iteration of the seed's PyTorch loop (2 per multiply-accumulate): G forward once,
 * D forward three times, and their backward passes as PyTorch runs them (each backward costs an
 * input gradient and a weight gradient per layer, except the input gradient of a network's first
 * layer, which nothing needs; the G step also computes D's weight gradients).
 */
export function flopsPerStep(latent: number, width: number, batch: number): number {
  const g = generatorSpec(latent, width).map((s, i) => layerMacs(s, [1, 4, 8, 16][i], batch));
  const d = discriminatorSpec(width).map((s, i) => layerMacs(s, [32, 16, 8, 4][i], batch));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const backward = (macs: number[]) => sum(macs) * 2 - macs[0];
  const dForward = sum(d);
  const dBackwardFull = backward(d) + d[0]; // in the G step the gradient reaches the images
  return 2 * (sum(g) + 3 * dForward + 2 * backward(d) + dBackwardFull + backward(g));
}

async function measure(variant: Variant, steps: number, repeats: number, warmup: number, preset: PresetName): Promise<Result> {
  const report = await selectBackend(variant.backend, { wasmKernels: variant.wasmKernels });
  const config = presetConfig(preset);
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(42, 1));
  const optimizers = new GanOptimizers(config);
  const batch = config.batchSize;
  const data = new Rng(1, 9).fillUniform(new Float32Array(batch * 1024), -1, 1);
  const noise = new Rng(2, 9);
  const step = () => disposeStep(trainStep(model, optimizers, data, noise.fillNormal(new Float32Array(batch * config.latentSize))));
  for (let i = 0; i < warmup; i++) step();
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const out = trainStep(model, optimizers, data, noise.fillNormal(new Float32Array(batch * config.latentSize)));
      await readStep(out); // wait for the values, as the trainer does when it logs
      disposeStep(out);
    }
    runs.push(steps / ((performance.now() - t0) / 1000));
  }
  runs.sort((a, b) => a - b);
  model.generator.dispose();
  model.discriminator.dispose();
  optimizers.dispose();
  return { variant: variant.name, detail: `${report.name}: ${report.detail}`, stepsPerSec: runs[Math.floor(runs.length / 2)], runs };
}

function pytorch(steps: number, repeats: number, warmup: number, device: string, preset: PresetName): { stepsPerSec: number; detail: string } | { error: string } {
  const script = path.join(__dirname, '..', 'bench', 'pytorch_reference.py');
  const python = process.env.GAN_STUDIO_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const { batchSize, featureSize } = presetConfig(preset);
  const args = [script, '--threads', String(os.cpus().length), '--steps', String(steps * 2), '--repeats', String(repeats), '--warmup', String(warmup)];
  args.push('--device', device, '--batch', String(batchSize), '--size', String(featureSize));
  const result = spawnSync(python, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    return { error: `PyTorch reference failed (${result.stderr.trim().split('\n').pop()}); install it with apt-get install python3-torch libopenblas0-openmp` };
  }
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { steps_per_sec_median: number; torch: string; threads: number; blas_lib?: string[]; device?: string };
  if (out.device && out.device !== 'cpu') return { stepsPerSec: out.steps_per_sec_median, detail: `PyTorch ${out.torch} on ${out.device}` };
  const blas = out.blas_lib?.some((l) => l.includes('openblas')) ? 'OpenBLAS' : 'reference BLAS';
  return { stepsPerSec: out.steps_per_sec_median, detail: `PyTorch ${out.torch}, ${out.threads} threads, ${blas}` };
}

function runVariantProcess(name: string, steps: number, repeats: number, warmup: number, preset: PresetName): Result {
  const result = spawnSync(process.execPath, [__filename, '--child', name, '--steps', String(steps), '--repeats', String(repeats), '--warmup', String(warmup), '--preset', preset], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return { variant: name, detail: '', stepsPerSec: 0, runs: [], error: (result.stderr || line).trim().split('\n').slice(-3).join(' ') };
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      steps: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      variants: { type: 'string', default: VARIANTS.filter((v) => !v.onRequest).map((v) => v.name).join(',') },
      'no-pytorch': { type: 'boolean', default: false },
      'pytorch-device': { type: 'string', default: 'cpu' },
      preset: { type: 'string', default: 'reference' },
    },
  });
  const preset = values.preset as PresetName;
  if (!['reference', 'quick', 'smoke'].includes(preset)) throw new Error(`--preset must be reference, quick or smoke, not ${preset}`);
  const steps = Number(values.steps);
  const repeats = Number(values.repeats);
  const warmup = Number(values.warmup);
  if (values.child) {
    const variant = VARIANTS.find((v) => v.name === values.child);
    if (!variant) throw new Error(`Unknown variant ${values.child}`);
    console.log(JSON.stringify(await measure(variant, steps, repeats, warmup, preset)));
    releaseBackend(); // the WebGPU device: nothing native may outlive the measurement
    return;
  }
  const ref = presetConfig(preset);
  const flops = flopsPerStep(ref.latentSize, ref.featureSize, ref.batchSize);
  console.log(`${preset === 'reference' ? 'Reference' : `The ${preset} preset's`} DCGAN (width ${ref.featureSize}), batch ${ref.batchSize}: ${(flops / 1e9).toFixed(1)} GFLOP per iteration (PyTorch's loop, 2 FLOP per MAC)`);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; median of ${repeats} runs of ${steps} steps\n`);
  const torch = values['no-pytorch'] ? undefined : pytorch(steps, repeats, warmup, values['pytorch-device']!, preset);
  const results = values.variants!.split(',').map((name) => runVariantProcess(name, steps, repeats, warmup, preset));
  const stepsPerEpoch = Math.ceil(60000 / ref.batchSize);
  const rows = [
    ...(torch && 'stepsPerSec' in torch ? [{ name: 'pytorch', detail: torch.detail, sps: torch.stepsPerSec }] : []),
    ...results.filter((r) => !r.error).map((r) => ({ name: r.variant, detail: r.detail, sps: r.stepsPerSec })),
  ];
  const torchSps = torch && 'stepsPerSec' in torch ? torch.stepsPerSec : undefined;
  console.log('| variant | steps/s | images/s | s/epoch | GFLOP/s | vs PyTorch | backend |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const ratio = torchSps ? (r.sps / torchSps).toFixed(3) : '–';
    console.log(`| ${r.name} | ${r.sps.toFixed(3)} | ${(r.sps * ref.batchSize).toFixed(0)} | ${(stepsPerEpoch / r.sps).toFixed(0)} | ${((r.sps * flops) / 1e9).toFixed(1)} | ${ratio} | ${r.detail} |`);
  }
  for (const r of results.filter((x) => x.error)) console.log(`\n${r.variant}: failed — ${r.error}`);
  if (torch && 'error' in torch) console.log(`\n${torch.error}`);
  const def = results.find((r) => r.variant === 'default' && !r.error);
  if (def && torchSps) console.log(`\nratio_vs_pytorch: ${(def.stepsPerSec / torchSps).toFixed(3)}`);
  void tf;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
