/**
 * What GAN Studio's command-line tools promise scripts: the exit codes of `gan-studio-train` and
 * `gan-studio`, and the JSON lines `gan-studio-train --json` prints on stdout (one object per
 * line, each with a `type`; human-readable messages then go to stderr). README ("The command
 * line") documents both; fields are only ever added.
 */
import type { CheckpointEntry, MetricRecord, Progress, RunError, SampleEntry } from './runFormat';
import { EXIT, type StartResult, type StatusParams } from './trainerProtocol';

/** Exit codes of gan-studio-train and gan-studio (the trainer's own codes, EXIT, plus notFound). */
export const CLI_EXIT = {
  /** Done: training completed or was stopped (a checkpoint was saved); a command succeeded. */
  ok: EXIT.ok,
  /** Something failed at run time: training failed, a file could not be written, a run is damaged. */
  failed: EXIT.failed,
  /**
   * The command line is wrong (unknown option or subcommand, bad value, a config file that is not an
   * experiment) or the run cannot be resumed (damaged, or another trainer is training it). Nothing was done.
   */
  usage: EXIT.badArguments,
  /** The run or checkpoint named on the command line does not exist. */
  notFound: 3,
  /** A signal ended the start before the run folder was written, or a second signal quit at once: 128 + SIGINT. */
  interrupted: EXIT.interrupted,
} as const;

export type CliExitCode = (typeof CLI_EXIT)[keyof typeof CLI_EXIT];

/** One line of `gan-studio-train --json`. */
export type TrainJsonLine =
  | ({ type: 'started' } & StartResult)
  | ({ type: 'status' } & StatusParams)
  | ({ type: 'metrics' } & MetricRecord)
  | ({ type: 'sample' } & SampleEntry)
  | ({ type: 'checkpoint' } & CheckpointEntry)
  | { type: 'log'; line: string }
  | { type: 'finished'; status: 'completed' | 'stopped'; runDir: string; progress: Progress; exitCode: 0 }
  | ({ type: 'failed'; runDir?: string; exitCode: number } & RunError);

export function formatJsonLine(line: TrainJsonLine): string {
  return JSON.stringify(line);
}
