/**
 * Evaluates one checkpoint of a run (gan-studio-eval, the extension's Evaluate Checkpoint): the
 * same evaluator, latent set and metrics as the trainer's schedule, appended to the run's
 * quality.jsonl with source "checkpoint". Works for runs trained before evaluation existed, and
 * for external runs whose checkpoint holds an ONNX generator (rendered through onnxruntime).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../common/atomicFile';
import { appendQuality, readQuality } from '../common/qualityFiles';
import { checkpointDir, readCheckpointManifest, readRun } from '../common/runReader';
import { type BackendChoice, imageChannels } from '../protocol/experimentConfig';
import { qualityFlag, QualityRecord, QualitySummary } from '../protocol/qualityFormat';
import { RUN_MANIFEST } from '../protocol/runFormat';
import { selectBackend } from '../trainer/backend/select';
import type { LocateOptions } from '../trainer/data/fashionMnist';
import { GeneratorLoadError } from './loadedGenerator';
import { OnnxGenerator } from './onnxGenerator';
import { architectureOf, buildDcgan, type Dcgan } from '../trainer/model/dcgan';
import { Rng, RNG_STREAMS } from '../trainer/rng';
import { hasGeneratorEma, loadCheckpoint, restoreModel } from '../trainer/train/checkpoint';
import { evaluationLatents, type Features, QualityEvaluator } from '../trainer/evaluator/qualityEvaluator';
import { DEFAULT_DATASET, evaluatorFor, hasEvaluator } from '../trainer/evaluator/registry';

export class EvaluateError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'EvaluateError';
  }
}

export interface EvaluateCheckpointParams {
  runDir: string;
  /** Checkpoint id; the run's latest when omitted. */
  checkpoint?: string;
  /** Generated images; the run's evalSamples when omitted. */
  samples?: number;
  backend?: BackendChoice;
  locate: LocateOptions;
  /** Opens the evaluator (tests); default the registered one. */
  openEvaluator?: (locate: LocateOptions, log: (line: string) => void) => Promise<QualityEvaluator>;
}

export async function evaluateCheckpoint(params: EvaluateCheckpointParams, log: (line: string) => void): Promise<{ record: QualityRecord; summary: QualitySummary }> {
  const run = readRun(params.runDir);
  if (!run.ok) throw new EvaluateError(run.error, 'Give the folder of a GAN Studio run (it holds run.json).');
  const { manifest } = run;
  const entry = params.checkpoint ? manifest.checkpoints.find((c) => c.id === params.checkpoint) : manifest.checkpoints[manifest.checkpoints.length - 1];
  if (!entry) {
    throw new EvaluateError(
      params.checkpoint ? `Run "${manifest.name}" has no checkpoint "${params.checkpoint}".` : `Run "${manifest.name}" has no checkpoint yet.`,
      manifest.checkpoints.length ? `Available: ${manifest.checkpoints.map((c) => c.id).join(', ')}.` : 'Checkpoints are saved at the end of each epoch and when a run stops.',
    );
  }
  const dataset = manifest.config.dataset ?? DEFAULT_DATASET;
  if (!manifest.external && !params.openEvaluator && hasEvaluator(dataset) && imageChannels(manifest.config) !== 1) {
    throw new EvaluateError(
      `Run "${manifest.name}" was trained in ${imageChannels(manifest.config)} channels, and the ${dataset} evaluator classifies grey images.`,
      'Evaluate a run trained with "channels": 1 (or null).',
    );
  }
  if (!manifest.external && !params.openEvaluator && !hasEvaluator(dataset)) {
    throw new EvaluateError(
      `Run "${manifest.name}" was trained on the ${dataset} data set, and sample quality is measured for FashionMNIST runs only (GAN Studio's evaluator classifier knows FashionMNIST's classes).`,
      'Evaluate a FashionMNIST run, or add an evaluator for this data set to src/trainer/evaluator/registry.ts.',
    );
  }
  const backend = await selectBackend(params.backend ?? 'auto');
  log(`Backend: ${backend.name} — ${backend.detail}`);
  const dir = checkpointDir(params.runDir, entry.id);
  const source = manifest.external ? await onnxSource(dir, params.samples) : dcganSource(dir, params.samples);
  try {
    const open = params.openEvaluator ?? ((locate, l) => QualityEvaluator.open(evaluatorFor(DEFAULT_DATASET), locate, l));
    const evaluator = await open(params.locate, log);
    try {
      const started = performance.now();
      const earlier = readQuality(params.runDir)
        .records.filter((r) => r.source === 'training' && r.step < source.step)
        .map((r) => ({ entropy: r.coverage.entropy, recall: r.recall }));
      const metrics = evaluator.measure(await source.features(evaluator), earlier);
      const record: QualityRecord = {
        step: source.step,
        epoch: source.epoch,
        source: 'checkpoint',
        checkpoint: entry.id,
        ...metrics,
        seconds: (performance.now() - started) / 1000,
        time: Date.now(),
      };
      const summary = appendQuality(params.runDir, record, {
        evaluator: evaluator.loaded.metadata.version,
        fidLabel: evaluator.entry.fidLabel,
        classNames: [...evaluator.entry.classNames],
        trainingSec: manifest.progress.elapsedSec,
      });
      // A live trainer owns run.json; otherwise the flag is updated here.
      if (manifest.status !== 'running' || run.interrupted) {
        const file = path.join(params.runDir, RUN_MANIFEST);
        const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeJsonAtomic(file, { ...raw, quality: qualityFlag(summary) });
      }
      return { record, summary };
    } finally {
      evaluator.dispose();
    }
  } finally {
    source.dispose();
  }
}

/** What is evaluated: the step and epoch recorded, and the evaluator's features of its images of the run's evaluation latents. */
interface EvaluatedGenerator {
  step: number;
  epoch: number;
  features(evaluator: QualityEvaluator): Promise<Features>;
  dispose(): void;
}

/** A GAN Studio checkpoint: the DCGAN rebuilt from the run's config with the checkpoint's weights. */
function dcganSource(dir: string, samples: number | undefined): EvaluatedGenerator {
  const checkpoint = loadCheckpoint(dir);
  const { config } = checkpoint.manifest;
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights), architectureOf(config));
  // A gEma run is measured on its averaged generator, rendered as its grids are (as in training).
  const ema = hasGeneratorEma(checkpoint);
  try {
    restoreModel(model, checkpoint, ema);
  } catch (error) {
    disposeDcgan(model);
    throw error;
  }
  return {
    // Iterations completed (src/protocol/steps.ts).
    step: checkpoint.manifest.step,
    epoch: checkpoint.manifest.epoch,
    features: async (evaluator) => evaluator.generatorFeatures(model, evaluationLatents(config.seed, samples ?? config.evalSamples, config.latentSize), ema ? 'train-recompute' : 'eval'),
    dispose: () => disposeDcgan(model),
  };
}

function disposeDcgan(model: Dcgan): void {
  model.generator.dispose();
  model.discriminator.dispose();
}

/** An external run's checkpoint: the ONNX generator the user's script logged, rendered in batches. */
async function onnxSource(dir: string, samples: number | undefined): Promise<EvaluatedGenerator> {
  const manifest = readCheckpointManifest(dir);
  if (!manifest.generator) {
    throw new EvaluateError(
      `Checkpoint ${manifest.id} of an external run has no generator to evaluate.`,
      'Log one from your script: torch.onnx.export(G, z, "g.onnx") (z of shape [1, latent, 1, 1]), then run.checkpoint(step, generator_onnx="g.onnx").',
    );
  }
  let generator: OnnxGenerator;
  try {
    generator = await OnnxGenerator.load(dir, manifest, manifest.generator);
  } catch (error) {
    if (error instanceof GeneratorLoadError) throw new EvaluateError(error.message, error.hint);
    throw error;
  }
  const { config } = manifest;
  return {
    // An external run's steps are its script's own numbers, recorded as logged.
    step: manifest.step,
    epoch: manifest.epoch,
    features: async (evaluator) => {
      const [h, w, c] = evaluator.loaded.classifier.spec.input;
      const [, channels, height, width] = generator.outputDims;
      if (channels !== c || height !== h || width !== w) {
        throw new EvaluateError(
          `The ONNX generator of checkpoint ${manifest.id} outputs images [N, ${generator.outputDims.slice(1).join(', ')}]; the ${evaluator.entry.dataset} evaluator needs [N, ${c}, ${h}, ${w}] (${h}x${w}, ${c === 1 ? 'one grey channel' : `${c} channels`}, values in [-1, 1]).`,
          `Export a generator of ${h}x${w} ${c === 1 ? 'single-channel ' : ''}images (FashionMNIST padded or resized to ${h}x${w}, as GAN Studio's DCGAN), e.g. wrap G in a module that resizes its output with F.interpolate before torch.onnx.export.`,
        );
      }
      const latents = evaluationLatents(config.seed, samples ?? config.evalSamples, generator.latentSize);
      return evaluator.renderedFeatures(latents, generator.latentSize, (batch) => generator.render(batch, 'eval'));
    },
    dispose: () => generator.dispose(),
  };
}
