/**
 * Evaluates one checkpoint of a run (gan-studio-eval, the extension's Evaluate Checkpoint): the
 * same evaluator, latent set and metrics as the trainer's schedule, appended to the run's
 * quality.jsonl with source "checkpoint". Works for runs trained before evaluation existed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../common/atomicFile';
import { appendQuality, readQuality } from '../../common/qualityFiles';
import { checkpointDir, readRun } from '../../common/runReader';
import type { BackendChoice } from '../../protocol/experimentConfig';
import { qualityFlag, QualityRecord, QualitySummary } from '../../protocol/qualityFormat';
import { RUN_MANIFEST } from '../../protocol/runFormat';
import { selectBackend } from '../backend/select';
import type { LocateOptions } from '../data/fashionMnist';
import { buildDcgan } from '../model/dcgan';
import { Rng, RNG_STREAMS } from '../rng';
import { loadCheckpoint, restoreModel } from '../train/checkpoint';
import { evaluationLatents, QualityEvaluator } from './qualityEvaluator';
import { DEFAULT_DATASET, evaluatorFor } from './registry';

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
  const backend = await selectBackend(params.backend ?? 'auto');
  log(`Backend: ${backend.name} — ${backend.detail}`);
  const checkpoint = loadCheckpoint(checkpointDir(params.runDir, entry.id));
  const { config } = checkpoint.manifest;
  const samples = params.samples ?? config.evalSamples;
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(config.seed, RNG_STREAMS.weights));
  const open = params.openEvaluator ?? ((locate, l) => QualityEvaluator.open(evaluatorFor(DEFAULT_DATASET), locate, l));
  const evaluator = await open(params.locate, log);
  try {
    restoreModel(model, checkpoint);
    const started = performance.now();
    const step = checkpoint.manifest.step;
    const earlier = readQuality(params.runDir)
      .records.filter((r) => r.source === 'training' && r.step < step)
      .map((r) => ({ entropy: r.coverage.entropy, recall: r.recall }));
    const metrics = evaluator.measure(evaluator.generatorFeatures(model, evaluationLatents(config.seed, samples, config.latentSize)), earlier);
    const record: QualityRecord = {
      step,
      epoch: checkpoint.manifest.epoch,
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
    model.generator.dispose();
    model.discriminator.dispose();
    evaluator.dispose();
  }
}
