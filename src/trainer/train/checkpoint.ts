/**
 * Checkpoints: everything needed to continue a run exactly — both networks (with BatchNorm
 * running statistics), both Adam optimisers' moments and step counts, the noise generator's
 * state, the fixed noise and the step counter. Written as one folder, atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeDirAtomic, writeJsonAtomic } from '../../common/atomicFile';
import { checkpointDir, readCheckpointManifest } from '../../common/runReader';
import type { ExperimentConfig } from '../../protocol/experimentConfig';
import {
  AdamBetaPowers,
  CHECKPOINT_MANIFEST,
  CHECKPOINT_TENSORS,
  checkpointId,
  CheckpointEntry,
  CheckpointManifest,
  CheckpointReason,
  CheckpointTensor,
  RUN_FORMAT_VERSION,
} from '../../protocol/runFormat';
import type { Dcgan, Network } from '../model/dcgan';
import type { Rng } from '../rng';
import type { GanOptimizers } from './step';

/** The mutable state of a training run. */
export interface TrainingState {
  model: Dcgan;
  optimizers: GanOptimizers;
  noiseRng: Rng;
  fixedNoise: Float32Array;
  /** The classes asked for with the fixed noise (conditional runs; a function of the config, not saved). */
  fixedLabels?: Uint8Array;
  /** The moving average of G's weights (config.gEma > 0), saved as `ema/<G's variable>`. */
  ema?: Network;
  /** Iterations completed. */
  step: number;
  elapsedSec: number;
}

const FIXED_NOISE = 'fixed_noise';
const EMA_PREFIX = 'ema/';

function emaVariables(ema: Network | undefined): { name: string; variable: tf.Variable }[] {
  return ema ? ema.allVariables().map((variable, i) => ({ name: `${EMA_PREFIX}${ema.variableNames[i]}`, variable })) : [];
}

/** Every variable of both networks with its checkpoint name. */
function modelVariables(model: Dcgan): { name: string; variable: tf.Variable }[] {
  return [model.generator, model.discriminator].flatMap((net) => net.allVariables().map((variable, i) => ({ name: net.variableNames[i], variable })));
}

/**
 * Adam's state as named tensors: `optimizer/G/<variable>/m` and `.../v`. TensorFlow.js keeps the
 * moments in the order of the variables it was given (all first moments, then all second).
 */
async function optimizerTensors(
  net: Network,
  optimizer: tf.AdamOptimizer,
): Promise<{ iterations: number; powers: AdamBetaPowers; named: { name: string; tensor: tf.Tensor }[]; dispose(): void }> {
  const [iter, ...held] = await optimizer.getWeights();
  const names = momentNames(net);
  // Before its first step (a checkpoint at step 0) Adam has no moments yet: they start as zeros.
  const moments = held.length === 0 ? [...net.trainableVariables(), ...net.trainableVariables()].map((v) => ({ name: '', tensor: tf.zerosLike(v) as tf.Tensor })) : held;
  if (moments.length !== names.length) throw new Error(`Optimizer of ${net.name} holds ${moments.length} moments, expected ${names.length}`);
  const acc = adamAccumulators(optimizer);
  const powers = { beta1Power: (await acc.accBeta1.data())[0], beta2Power: (await acc.accBeta2.data())[0] };
  return {
    iterations: (await iter.tensor.data())[0],
    powers,
    named: moments.map((m, i) => ({ name: names[i], tensor: m.tensor })),
    dispose: () => held.length === 0 && tf.dispose(moments.map((m) => m.tensor)),
  };
}

/**
 * TensorFlow.js's Adam keeps β1^(t+1) and β2^(t+1) as float32 variables, multiplied by β once per
 * step; its setWeights() recomputes them with pow(), which differs in the last bits, so a restored
 * optimiser would not continue exactly. These variables are private: reach them, and fail loudly
 * if a TensorFlow.js update renames them.
 */
function adamAccumulators(optimizer: tf.AdamOptimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  const acc = optimizer as unknown as { accBeta1?: unknown; accBeta2?: unknown };
  if (!(acc.accBeta1 instanceof tf.Variable) || !(acc.accBeta2 instanceof tf.Variable)) {
    throw new Error("TensorFlow.js's AdamOptimizer no longer holds accBeta1/accBeta2: exact resume needs an update of checkpoint.ts");
  }
  return { accBeta1: acc.accBeta1, accBeta2: acc.accBeta2 };
}

/** β^(t+1) as Adam computes it: float32 products, one per step (float32 × float32 is exact in a double, then rounded once). */
export function adamBetaPower(beta: number, iterations: number): number {
  const b = Math.fround(beta);
  let acc = b;
  for (let i = 0; i < iterations; i++) acc = Math.fround(acc * b);
  return acc;
}

function momentNames(net: Network): string[] {
  const vars = net.trainableVariableNames();
  return [...vars.map((v) => `optimizer/${net.name}/${v}/m`), ...vars.map((v) => `optimizer/${net.name}/${v}/v`)];
}

export async function saveCheckpoint(
  runDir: string,
  runId: string,
  config: ExperimentConfig,
  datasetSize: number,
  stepsPerEpoch: number,
  state: TrainingState,
  reason: CheckpointReason,
): Promise<CheckpointEntry> {
  const id = checkpointId(state.step);
  const epoch = Math.floor(state.step / stepsPerEpoch);
  const optG = await optimizerTensors(state.model.generator, state.optimizers.g);
  const optD = await optimizerTensors(state.model.discriminator, state.optimizers.d);
  const named: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const { name, variable } of [...modelVariables(state.model), ...emaVariables(state.ema)]) {
    named.push({ name, shape: variable.shape, data: (await variable.data()) as Float32Array });
  }
  for (const t of [...optG.named, ...optD.named]) named.push({ name: t.name, shape: t.tensor.shape, data: (await t.tensor.data()) as Float32Array });
  optG.dispose();
  optD.dispose();
  named.push({ name: FIXED_NOISE, shape: [state.fixedNoise.length / state.model.latentSize, state.model.latentSize], data: state.fixedNoise });

  // Never save a checkpoint that cannot be resumed: a NaN or an infinity in any tensor fails the run here.
  for (const t of named) {
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new CheckpointError(
        `Training diverged before step ${state.step}: ${t.name} holds ${t.data[bad]} (no checkpoint of it was saved).`,
        'Lower the learning rate, or resume from an earlier checkpoint.',
      );
    }
  }
  let offset = 0;
  const tensors: CheckpointTensor[] = named.map((t) => {
    const entry: CheckpointTensor = { name: t.name, shape: t.shape, dtype: 'float32', offset, length: t.data.byteLength };
    offset += t.data.byteLength;
    return entry;
  });
  const time = new Date().toISOString();
  const manifest: CheckpointManifest = {
    formatVersion: RUN_FORMAT_VERSION,
    runId,
    id,
    step: state.step,
    epoch,
    reason,
    time,
    config,
    datasetSize,
    rng: state.noiseRng.getState(),
    optimizerSteps: { G: optG.iterations, D: optD.iterations },
    adamBetaPowers: { G: optG.powers, D: optD.powers },
    elapsedSec: state.elapsedSec,
    tensors,
  };
  // A checkpoint at the same step (e.g. "stop" right after an epoch's) replaces the older one.
  writeDirAtomic(checkpointDir(runDir, id), (temp) => {
    const fd = fs.openSync(path.join(temp, CHECKPOINT_TENSORS), 'w');
    try {
      for (const t of named) fs.writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    writeJsonAtomic(path.join(temp, CHECKPOINT_MANIFEST), manifest);
  });
  return { id, step: state.step, epoch, reason, time };
}

export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  tensors: Map<string, Float32Array>;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  if (fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new CheckpointError(`Checkpoint ${dir} is a symbolic link; GAN Studio reads only checkpoints inside the run folder.`, 'Resume from another checkpoint of the run.');
  }
  let manifest: CheckpointManifest;
  try {
    manifest = readCheckpointManifest(dir);
  } catch (error) {
    throw new CheckpointError(`Checkpoint ${dir} cannot be read: ${(error as Error).message}`, 'Resume from another checkpoint of the run.');
  }
  if (manifest.id !== path.basename(dir)) {
    throw new CheckpointError(
      `Checkpoint ${dir} is damaged: its checkpoint.json says it is "${manifest.id}".`,
      'Resume from another checkpoint of the run; a checkpoint folder must not be renamed or edited.',
    );
  }
  const file = path.join(dir, CHECKPOINT_TENSORS);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new CheckpointError(`Checkpoint ${dir} has no readable ${CHECKPOINT_TENSORS}: ${(error as Error).message}`, 'Resume from another checkpoint of the run.');
  }
  const tensors = new Map<string, Float32Array>();
  for (const t of manifest.tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + t.length > bytes.length || t.length !== count * 4) {
      throw new CheckpointError(`Checkpoint ${dir} is truncated or damaged (tensor ${t.name}).`, 'Resume from another checkpoint of the run.');
    }
    const copy = new Float32Array(count);
    new Uint8Array(copy.buffer).set(bytes.subarray(t.offset, t.offset + t.length));
    tensors.set(t.name, copy);
  }
  return { manifest, tensors };
}

function take(checkpoint: LoadedCheckpoint, name: string, shape: readonly number[]): Float32Array {
  const data = checkpoint.tensors.get(name);
  const count = shape.reduce((a, b) => a * b, 1);
  if (!data || data.length !== count) {
    throw new CheckpointError(
      `Checkpoint ${checkpoint.manifest.id} does not match the model (${name} ${data ? `has ${data.length} values, expected ${count}` : 'is missing'}).`,
      'The checkpoint was written for another architecture; resume it with its own run settings.',
    );
  }
  return data;
}

/** Whether the checkpoint holds the moving average of G's weights (a run with gEma). */
export function hasGeneratorEma(checkpoint: LoadedCheckpoint): boolean {
  return checkpoint.tensors.has(`${EMA_PREFIX}G/0/weight`);
}

/**
 * Loads the networks' variables (weights and BatchNorm statistics) from a checkpoint; with
 * `generatorFromEma`, G gets the moving average of its weights (what a gEma run's grids show).
 * Spectral-norm vectors a checkpoint lacks (spectralNorm turned on at a resume) keep their start values.
 */
export function restoreModel(model: Dcgan, checkpoint: LoadedCheckpoint, generatorFromEma = false): void {
  tf.tidy(() => {
    for (const { name, variable } of modelVariables(model)) {
      if (name.includes('/sn/') && !checkpoint.tensors.has(name)) continue;
      const source = generatorFromEma && name.startsWith('G/') ? `${EMA_PREFIX}${name}` : name;
      variable.assign(tf.tensor(take(checkpoint, source, variable.shape), variable.shape));
    }
  });
}

/** Restores everything a checkpoint holds into a freshly built state. */
export async function restoreState(state: TrainingState, checkpoint: LoadedCheckpoint): Promise<void> {
  const { manifest } = checkpoint;
  restoreModel(state.model, checkpoint);
  // A run that turns gEma on at a resume starts the average from G's weights.
  if (state.ema && !hasGeneratorEma(checkpoint)) state.ema.copyFrom(state.model.generator);
  else {
    tf.tidy(() => {
      for (const { name, variable } of emaVariables(state.ema)) variable.assign(tf.tensor(take(checkpoint, name, variable.shape), variable.shape));
    });
  }
  const restoreOptimizer = async (net: Network, optimizer: tf.AdamOptimizer, iterations: number, powers: AdamBetaPowers | undefined) => {
    if (iterations === 0) return; // Adam creates its moments on the first step
    const moments = momentNames(net).map((name) => {
      const t = manifest.tensors.find((x) => x.name === name);
      if (!t) throw new CheckpointError(`Checkpoint ${manifest.id} has no optimizer state ${name}.`, 'Resume from another checkpoint of the run.');
      return { name, tensor: tf.tensor(take(checkpoint, name, t.shape), t.shape) };
    });
    const weights = [{ name: 'iter', tensor: tf.scalar(iterations, 'int32') }, ...moments];
    await optimizer.setWeights(weights);
    // setWeights made variables of these; the temporary tensors are no longer needed.
    tf.dispose(weights.map((w) => w.tensor));
    // setWeights recomputed β^(t+1) with the backend's Pow (on a GPU exp2(y·log2 x), an ulp or so off);
    // put back the float32 products the saved run held, so a resume repeats it bit for bit on every backend.
    const config = manifest.config;
    const acc = adamAccumulators(optimizer);
    tf.tidy(() => {
      acc.accBeta1.assign(tf.scalar(powers?.beta1Power ?? adamBetaPower(config.beta1, iterations)));
      acc.accBeta2.assign(tf.scalar(powers?.beta2Power ?? adamBetaPower(config.beta2, iterations)));
    });
  };
  await restoreOptimizer(state.model.generator, state.optimizers.g, manifest.optimizerSteps.G, manifest.adamBetaPowers?.G);
  await restoreOptimizer(state.model.discriminator, state.optimizers.d, manifest.optimizerSteps.D, manifest.adamBetaPowers?.D);
  state.noiseRng.setState(manifest.rng);
  state.fixedNoise = take(checkpoint, FIXED_NOISE, [state.fixedNoise.length]);
  state.step = manifest.step;
  state.elapsedSec = manifest.elapsedSec;
}
