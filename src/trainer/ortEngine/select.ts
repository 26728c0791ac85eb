/**
 * Whether a run trains on the onnxruntime engine (engine.ts) or on TensorFlow.js's autodiff path
 * (train/step.ts), and why. The engine is the default on the CPU: backend "auto" landed on a CPU
 * backend, onnxruntime-node loads, and the config is the seed's iteration (BCE loss, one D step,
 * no label smoothing, instance noise, spectral normalisation or G EMA; unconditional, 32x32, grey). Anything else trains on
 * TensorFlow.js, with the reason recorded beside the backend (run.json, dashboard header, log).
 */
import { ExperimentConfig, imageChannels } from '../../protocol/experimentConfig';
import type { BackendReport } from '../../protocol/runFormat';
import { discriminatorSpec, generatorSpec } from '../model/dcgan';
import type { TrainingState } from '../train/checkpoint';
import { coresIdle, loadOrt, OrtStepEngine } from './engine';

/** GAN_STUDIO_ENGINE=tfjs keeps every run on TensorFlow.js (benchmarks, comparisons). */
export const ENGINE_ENV = 'GAN_STUDIO_ENGINE';

export type EngineChoice = 'auto' | 'tfjs';

export interface EngineSelection {
  engine?: OrtStepEngine;
  /** What runs the training step, for the backend report and the log. */
  description: string;
}

/** Why the onnxruntime engine cannot run this config, or undefined if it can. */
export function unsupportedReason(config: ExperimentConfig, backend: Pick<BackendReport, 'name'>, choice: EngineChoice = 'auto'): string | undefined {
  if (choice === 'tfjs' || process.env[ENGINE_ENV] === 'tfjs') return `asked for (${ENGINE_ENV}=tfjs)`;
  if (config.backend !== 'auto') return `the backend "${config.backend}" was chosen explicitly`;
  if (backend.name === 'webgpu' || backend.name === 'tensorflow-gpu') return 'the backend is a GPU';
  const off: string[] = [];
  if (config.loss !== 'bce') off.push(`loss "${config.loss}"`);
  if (config.dSteps !== 1) off.push(`dSteps ${config.dSteps}`);
  if (config.labelSmoothing !== 0) off.push('labelSmoothing');
  if (config.instanceNoise !== 0) off.push('instanceNoise');
  if (config.spectralNorm) off.push('spectralNorm');
  if (config.gEma > 0) off.push('gEma');
  if (config.conditional) off.push('conditional');
  if (config.imageSize !== 32) off.push(`imageSize ${config.imageSize}`);
  if (imageChannels(config) !== 1) off.push(`${imageChannels(config)} channels`);
  if (off.length > 0) return `the onnxruntime engine runs the seed's iteration only (this run sets ${off.join(', ')})`;
  return undefined;
}

/**
 * Opens the engine for a run whose state is built (and restored): loads onnxruntime-node, builds
 * the graph for the run's batch size and takes the state. Falls back to TensorFlow.js, with the
 * reason, when any of that fails.
 */
export async function selectEngine(config: ExperimentConfig, backend: Pick<BackendReport, 'name'>, state: TrainingState, choice: EngineChoice = 'auto'): Promise<EngineSelection> {
  const tfjs = (reason: string) => ({ description: `TensorFlow.js autodiff (${reason})` });
  const reason = unsupportedReason(config, backend, choice);
  if (reason) return tfjs(reason);
  const loaded = loadOrt();
  if ('problem' in loaded) return tfjs(loaded.problem);
  // Spinning threads are faster on idle cores and much slower on busy ones (engine.ts).
  const engine = new OrtStepEngine(loaded.ort, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize), { spinning: await coresIdle() });
  try {
    await engine.session(config.batchSize);
    await engine.importFrom(state);
  } catch (error) {
    await engine.release().catch(() => undefined);
    return tfjs(`onnxruntime-node ${loaded.version} could not run the training graph: ${(error as Error).message.split('\n')[0]}`);
  }
  return { engine, description: `onnxruntime-node ${loaded.version} training engine (the whole iteration as one ONNX graph, ${engine.threads} threads${engine.spinning ? ', spinning' : ''})` };
}
