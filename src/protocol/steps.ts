/**
 * Steps and epochs, defined once (docs/run-format.md, "Steps and epochs") and used by every view,
 * the CLI and the run format. Pure.
 *
 * - A **step** is a count of iterations completed: step 0 is the untrained model, step N the
 *   state after N iterations. A grid, a checkpoint, a metrics record and the progress bar that say
 *   "step 500" all mean "after 500 iterations".
 * - An **epoch** figure is fractional and derived from the step: `step / stepsPerEpoch` epochs
 *   completed. A run of 700 steps at 938 steps per epoch trains 0.75 epochs; it shows
 *   "0.75 / 0.75" when complete and "0.11 / 0.75" at step 100.
 *
 * The `epoch` fields stored in run.json, metrics.jsonl and checkpoint.json keep their meaning
 * (the 0-based index of the epoch the next iteration belongs to) for readers of format 1; views
 * show `epochsAt(step)` instead.
 */

/** Epochs completed after `step` iterations (fractional). */
export function epochsAt(step: number, stepsPerEpoch: number): number {
  return step / Math.max(1, stepsPerEpoch);
}

/** 0.7466 -> "0.75", 2 -> "2", 1.5 -> "1.5": two decimals at most, trailing zeros dropped. */
export function formatEpochs(epochs: number): string {
  if (!Number.isFinite(epochs)) return '–';
  return String(Math.round(epochs * 100) / 100);
}

/** "step 500 · epoch 0.53": how grids, checkpoints and tooltips name a point of training. */
export function formatStepEpoch(step: number, stepsPerEpoch: number): string {
  return `step ${step.toLocaleString('en-US')} · epoch ${formatEpochs(epochsAt(step, stepsPerEpoch))}`;
}

/** "0.53 / 0.75": epochs completed of the run's total, both from steps. */
export function formatEpochProgress(step: number, totalSteps: number, stepsPerEpoch: number): string {
  return `${formatEpochs(epochsAt(step, stepsPerEpoch))} / ${formatEpochs(epochsAt(totalSteps, stepsPerEpoch))}`;
}

/** The 0-based epoch index that the iteration after `step` belongs to (the stored `epoch` field). */
export function epochIndexAt(step: number, stepsPerEpoch: number): number {
  return Math.floor(step / Math.max(1, stepsPerEpoch));
}

/**
 * The sample-grid schedule: grids at step 0 (the untrained G), at every multiple of
 * `sampleEvery`, and at the last step. Runs with the same `sampleEvery` have grids at the same
 * steps, so A/B comparisons are exact.
 */
export function isSampleStep(step: number, sampleEvery: number, totalSteps: number): boolean {
  return step % Math.max(1, sampleEvery) === 0 || step === totalSteps;
}

/** The metrics schedule: after step 1, every multiple of `logEvery`, and the last step. */
export function isLogStep(step: number, logEvery: number, totalSteps: number): boolean {
  return step === 1 || step % Math.max(1, logEvery) === 0 || step === totalSteps;
}

/** Marks a run.json whose `samples[].step` count iterations completed (absent in older runs). */
export const STEP_COUNT_COMPLETED = 'completed';

/** The ETA of a live run: "estimating…" until the trainer has timed enough steps. */
export function formatEta(etaSec: number | null | undefined, formatDuration: (s: number) => string): string {
  return etaSec === null || etaSec === undefined || !Number.isFinite(etaSec) ? 'estimating…' : formatDuration(etaSec);
}
