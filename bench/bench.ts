/**
 * npm run bench: training-step throughput of the reference DCGAN (batch 128) with GAN Studio's
 * engines on each available variant, against faithful variants of the seed's PyTorch loop on the
 * same machine in the same invocation (bench/pytorch_reference.py, Debian's python3-torch with
 * OpenBLAS).
 *
 *   npm run bench -- [--steps 8] [--rounds 3] [--warmup 2] [--variants default,wasm-ort] [--pytorch-variants lesson,plain] [--no-pytorch]
 *   npm run bench -- --variants webgpu [--pytorch-device cuda] [--preset smoke]
 *   GAN_STUDIO_BENCH_STEPS=8 GAN_STUDIO_BENCH_ROUNDS=3 npm run bench
 *
 * Every variant runs in its own process (kernel registrations are global), once per round, the
 * variants interleaved round after round, so machine noise spreads over all of them; each row is
 * the median of its rounds. The load average is printed before and after: PyTorch's OpenMP threads
 * collapse when another busy process shares the cores, so only a quiet machine gives figures.
 * Ends with `ratio_vs_pytorch: <number>`: the default variant against the fastest PyTorch variant.
 *
 * The webgpu variant (Dawn on the first adapter it finds, hardware or software) runs only when
 * asked for; bench/gpu.sh runs it on an NVIDIA GPU beside PyTorch. --preset smoke shrinks the
 * model and batch (to check the script end to end, not for figures).
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
import { selectEngine } from '../src/trainer/ortEngine/select';
import { Rng } from '../src/trainer/rng';
import { disposeStep, GanOptimizers, readStep, StepValues, trainStep } from '../src/trainer/train/step';

interface Variant {
  name: string;
  description: string;
  backend: 'auto' | 'wasm' | 'cpu' | 'webgpu';
  wasmKernels?: WasmKernelSet;
  /** Run only when named in --variants. */
  onRequest?: boolean;
  /** Environment of its process. */
  env?: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { name: 'default', description: 'what "Train GAN" uses here (backend auto; the onnxruntime engine where it applies)', backend: 'auto' },
  { name: 'engine-spin', description: 'the default with onnxruntime\'s threads spinning between ops (GAN_STUDIO_ORT_SPIN=1)', backend: 'auto', env: { GAN_STUDIO_ORT_SPIN: '1' }, onRequest: true },
  { name: 'engine-nospin', description: 'the default with onnxruntime\'s threads sleeping between ops (GAN_STUDIO_ORT_SPIN=0)', backend: 'auto', env: { GAN_STUDIO_ORT_SPIN: '0' } },
  { name: 'wasm-stock', description: 'tfjs-backend-wasm as shipped (+ the missing Conv2DBackpropFilter)', backend: 'wasm', wasmKernels: 'stock', onRequest: true },
  { name: 'wasm-xnnpack', description: 'wasm with convolution gradients on XNNPACK (no onnxruntime)', backend: 'wasm', wasmKernels: 'xnnpack' },
  { name: 'wasm-ort', description: 'wasm with the convolutions on onnxruntime-node', backend: 'wasm', wasmKernels: 'ort' },
  { name: 'webgpu', description: 'tfjs-backend-webgpu on Dawn (Vulkan, Metal or Direct3D 12)', backend: 'webgpu', onRequest: true },
];

const PYTORCH_VARIANTS = ['lesson', 'set-to-none', 'channels-last', 'plain'] as const;

interface Result {
  variant: string;
  detail: string;
  stepsPerSec: number;
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

async function measure(variant: Variant, steps: number, warmup: number, preset: PresetName): Promise<Result> {
  const report = await selectBackend(variant.backend, { wasmKernels: variant.wasmKernels });
  const config = { ...presetConfig(preset), backend: variant.backend };
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(42, 1));
  const optimizers = new GanOptimizers(config);
  const state = { model, optimizers, noiseRng: new Rng(2, 9), fixedNoise: new Float32Array(0), step: 0, elapsedSec: 0 };
  // The default variant takes the training step the way a run does (ortEngine/select.ts).
  const chosen = variant.backend === 'auto' ? await selectEngine(config, report, state) : undefined;
  const batch = config.batchSize;
  const data = new Rng(1, 9).fillUniform(new Float32Array(batch * 1024), -1, 1);
  const step = async (): Promise<StepValues> => {
    const noise = state.noiseRng.fillNormal(new Float32Array(batch * config.latentSize));
    if (chosen?.engine) return chosen.engine.step(data, noise);
    const out = trainStep(model, optimizers, data, noise);
    try {
      return await readStep(out); // wait for the values, as the trainer does every step
    } finally {
      disposeStep(out);
    }
  };
  for (let i = 0; i < warmup; i++) await step();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const stepsPerSec = steps / ((performance.now() - t0) / 1000);
  await chosen?.engine?.release();
  model.generator.dispose();
  model.discriminator.dispose();
  optimizers.dispose();
  const detail = `${report.name}: ${report.detail}${chosen ? `; training step: ${chosen.description}` : ''}`;
  return { variant: variant.name, detail, stepsPerSec };
}

function pytorch(variant: string, steps: number, warmup: number, device: string, preset: PresetName): Result {
  const script = path.join(__dirname, '..', 'bench', 'pytorch_reference.py');
  const python = process.env.GAN_STUDIO_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const { batchSize, featureSize } = presetConfig(preset);
  const args = [script, '--variant', variant, '--threads', String(os.cpus().length), '--steps', String(steps), '--repeats', '1', '--warmup', String(warmup)];
  args.push('--device', device, '--batch', String(batchSize), '--size', String(featureSize));
  const result = spawnSync(python, args, { encoding: 'utf8' });
  const name = `pytorch-${variant}`;
  if (result.status !== 0) {
    return { variant: name, detail: '', stepsPerSec: 0, error: `PyTorch reference failed (${result.stderr.trim().split('\n').pop()}); install it with apt-get install python3-torch libopenblas0-openmp` };
  }
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { steps_per_sec_median: number; torch: string; threads: number; blas_lib?: string[]; device?: string };
  if (out.device && out.device !== 'cpu') return { variant: name, stepsPerSec: out.steps_per_sec_median, detail: `PyTorch ${out.torch} on ${out.device}` };
  const blas = out.blas_lib?.some((l) => l.includes('openblas')) ? 'OpenBLAS' : 'reference BLAS';
  return { variant: name, stepsPerSec: out.steps_per_sec_median, detail: `PyTorch ${out.torch}, ${out.threads} threads, ${blas}` };
}

function runVariantProcess(name: string, steps: number, warmup: number, preset: PresetName): Result {
  const variant = VARIANTS.find((v) => v.name === name);
  const result = spawnSync(process.execPath, [__filename, '--child', name, '--steps', String(steps), '--warmup', String(warmup), '--preset', preset], {
    encoding: 'utf8',
    env: { ...process.env, ...(variant?.env ?? {}) },
    maxBuffer: 64 << 20,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return { variant: name, detail: '', stepsPerSec: 0, error: (result.stderr || line).trim().split('\n').slice(-3).join(' ') };
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      steps: { type: 'string', default: env.GAN_STUDIO_BENCH_STEPS ?? '8' },
      rounds: { type: 'string', default: env.GAN_STUDIO_BENCH_ROUNDS ?? '3' },
      /** The old name of --rounds. */
      repeats: { type: 'string' },
      warmup: { type: 'string', default: env.GAN_STUDIO_BENCH_WARMUP ?? '2' },
      variants: { type: 'string', default: env.GAN_STUDIO_BENCH_VARIANTS ?? VARIANTS.filter((v) => !v.onRequest).map((v) => v.name).join(',') },
      'pytorch-variants': { type: 'string', default: env.GAN_STUDIO_BENCH_PYTORCH ?? PYTORCH_VARIANTS.join(',') },
      'no-pytorch': { type: 'boolean', default: false },
      'pytorch-device': { type: 'string', default: 'cpu' },
      preset: { type: 'string', default: 'reference' },
    },
  });
  const preset = values.preset as PresetName;
  if (!['reference', 'quick', 'smoke'].includes(preset)) throw new Error(`--preset must be reference, quick or smoke, not ${preset}`);
  const steps = Number(values.steps);
  const rounds = Number(values.repeats ?? values.rounds);
  const warmup = Number(values.warmup);
  if (values.child) {
    const variant = VARIANTS.find((v) => v.name === values.child);
    if (!variant) throw new Error(`Unknown variant ${values.child}`);
    console.log(JSON.stringify(await measure(variant, steps, warmup, preset)));
    releaseBackend(); // the WebGPU device: nothing native may outlive the measurement
    return;
  }
  const ours = values.variants!.split(',').filter(Boolean);
  for (const name of ours) if (!VARIANTS.some((v) => v.name === name)) throw new Error(`Unknown variant ${name} (known: ${VARIANTS.map((v) => v.name).join(', ')})`);
  const theirs = values['no-pytorch'] ? [] : values['pytorch-variants']!.split(',').filter(Boolean);
  for (const name of theirs) if (!(PYTORCH_VARIANTS as readonly string[]).includes(name)) throw new Error(`Unknown PyTorch variant ${name} (known: ${PYTORCH_VARIANTS.join(', ')})`);
  const ref = presetConfig(preset);
  const flops = flopsPerStep(ref.latentSize, ref.featureSize, ref.batchSize);
  console.log(`${preset === 'reference' ? 'Reference' : `The ${preset} preset's`} DCGAN (width ${ref.featureSize}), batch ${ref.batchSize}: ${(flops / 1e9).toFixed(1)} GFLOP per iteration (PyTorch's loop, 2 FLOP per MAC)`);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; ${rounds} rounds of ${steps} steps (after ${warmup} warm-up steps) per variant, interleaved`);
  const loadBefore = load();
  console.log(`load average before: ${loadBefore}\n`);
  const results = new Map<string, Result[]>();
  for (let round = 0; round < rounds; round++) {
    const line: string[] = [];
    for (const name of [...ours, ...theirs.map((v) => `pytorch-${v}`)]) {
      const result = name.startsWith('pytorch-') ? pytorch(name.slice('pytorch-'.length), steps, warmup, values['pytorch-device']!, preset) : runVariantProcess(name, steps, warmup, preset);
      results.set(name, [...(results.get(name) ?? []), result]);
      line.push(`${name} ${result.error ? 'failed' : result.stepsPerSec.toFixed(3)}`);
    }
    console.log(`round ${round + 1}/${rounds} (load ${load()}): ${line.join(', ')}`);
  }
  const loadAfter = load();
  const stepsPerEpoch = Math.ceil(60000 / ref.batchSize);
  const rows = [...results].flatMap(([name, rs]) => {
    const ok = rs.filter((r) => !r.error);
    return ok.length > 0 ? [{ name, detail: ok[0].detail, sps: median(ok.map((r) => r.stepsPerSec)), runs: ok.map((r) => r.stepsPerSec) }] : [];
  });
  const torchRows = rows.filter((r) => r.name.startsWith('pytorch-'));
  const fastest = torchRows.reduce<(typeof rows)[number] | undefined>((best, r) => (!best || r.sps > best.sps ? r : best), undefined);
  console.log('');
  console.log('| variant | steps/s (median) | rounds | images/s | s/epoch | GFLOP/s | vs fastest PyTorch | detail |');
  console.log('|---|---:|---|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const ratio = fastest ? (r.sps / fastest.sps).toFixed(3) : '–';
    console.log(`| ${r.name} | ${r.sps.toFixed(3)} | ${r.runs.map((x) => x.toFixed(2)).join(' ')} | ${(r.sps * ref.batchSize).toFixed(0)} | ${(stepsPerEpoch / r.sps).toFixed(0)} | ${((r.sps * flops) / 1e9).toFixed(1)} | ${ratio} | ${r.detail} |`);
  }
  for (const [name, rs] of results) for (const r of rs.filter((x) => x.error).slice(0, 1)) console.log(`\n${name}: failed — ${r.error}`);
  console.log(`\nload average before: ${loadBefore}; after: ${loadAfter}`);
  const def = rows.find((r) => r.name === 'default');
  if (fastest) console.log(`fastest PyTorch: ${fastest.name} (${fastest.sps.toFixed(3)} steps/s)`);
  if (def && fastest) console.log(`ratio_vs_pytorch: ${(def.sps / fastest.sps).toFixed(3)}`);
  void tf;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
