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
  /** Iterations completed. */
  step: number;
  elapsedSec: number;
}

const FIXED_NOISE = 'fixed_noise';

/** Every variable of both networks with its checkpoint name. */
function modelVariables(model: Dcgan): { name: string; variable: tf.Variable }[] {
  return [model.generator, model.discriminator].flatMap((net) => net.allVariables().map((variable, i) => ({ name: net.variableNames[i], variable })));
}

/**
 * Adam's state as named tensors: `optimizer/G/<variable>/m` and `.../v`. TensorFlow.js keeps the
 * moments in the order of the variables it was given (all first moments, then all second).
 */
async function optimizerTensors(net: Network, optimizer: tf.Optimizer): Promise<{ iterations: number; named: { name: string; tensor: tf.Tensor }[] }> {
  const [iter, ...moments] = await optimizer.getWeights();
  const names = momentNames(net);
  if (moments.length !== names.length) throw new Error(`Optimizer of ${net.name} holds ${moments.length} moments, expected ${names.length}`);
  return { iterations: (await iter.tensor.data())[0], named: moments.map((m, i) => ({ name: names[i], tensor: m.tensor })) };
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
  for (const { name, variable } of modelVariables(state.model)) {
    named.push({ name, shape: variable.shape, data: (await variable.data()) as Float32Array });
  }
  for (const t of [...optG.named, ...optD.named]) named.push({ name: t.name, shape: t.tensor.shape, data: (await t.tensor.data()) as Float32Array });
  named.push({ name: FIXED_NOISE, shape: [state.fixedNoise.length / state.model.latentSize, state.model.latentSize], data: state.fixedNoise });

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
  let manifest: CheckpointManifest;
  try {
    manifest = readCheckpointManifest(dir);
  } catch (error) {
    throw new CheckpointError(`Checkpoint ${dir} cannot be read: ${(error as Error).message}`, 'Resume from another checkpoint of the run.');
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

/** Loads the networks' variables (weights and BatchNorm statistics) from a checkpoint. */
export function restoreModel(model: Dcgan, checkpoint: LoadedCheckpoint): void {
  tf.tidy(() => {
    for (const { name, variable } of modelVariables(model)) {
      variable.assign(tf.tensor(take(checkpoint, name, variable.shape), variable.shape));
    }
  });
}

/** beta^n as Adam accumulates it: a float32 product per step. */
export function float32Power(beta: number, n: number): number {
  const b = Math.fround(beta);
  let product = b;
  for (let i = 1; i < n; i++) product = Math.fround(product * b);
  return product;
}

/**
 * Adam's running products beta1^(t+1) and beta2^(t+1): setWeights computes them with the backend's
 * Pow, which a GPU evaluates as exp2(y * log2(x)), an ulp or so off the float32 products an
 * uninterrupted run multiplies up step by step. Set them as that run has them, so that a resumed
 * run repeats it bit for bit on every backend.
 */
function restoreAdamProducts(optimizer: tf.Optimizer, iterations: number): void {
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable; beta1: number; beta2: number };
  if (!adam.accBeta1 || !adam.accBeta2) return;
  tf.tidy(() => {
    adam.accBeta1!.assign(tf.scalar(float32Power(adam.beta1, iterations + 1)));
    adam.accBeta2!.assign(tf.scalar(float32Power(adam.beta2, iterations + 1)));
  });
}

/** Restores everything a checkpoint holds into a freshly built state. */
export async function restoreState(state: TrainingState, checkpoint: LoadedCheckpoint): Promise<void> {
  const { manifest } = checkpoint;
  restoreModel(state.model, checkpoint);
  const restoreOptimizer = async (net: Network, optimizer: tf.Optimizer, iterations: number) => {
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
    restoreAdamProducts(optimizer, iterations);
  };
  await restoreOptimizer(state.model.generator, state.optimizers.g, manifest.optimizerSteps.G);
  await restoreOptimizer(state.model.discriminator, state.optimizers.d, manifest.optimizerSteps.D);
  state.noiseRng.setState(manifest.rng);
  state.fixedNoise = take(checkpoint, FIXED_NOISE, [state.fixedNoise.length]);
  state.step = manifest.step;
  state.elapsedSec = manifest.elapsedSec;
}
