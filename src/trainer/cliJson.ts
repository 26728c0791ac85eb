/**
 * `gan-studio-train --json`: a training session's events as JSON lines (one object per line,
 * declared in src/protocol/cliProtocol.ts), for scripts and batch jobs on a training box.
 */
import { CLI_EXIT, type CliExitCode, formatJsonLine, TrainJsonLine } from '../protocol/cliProtocol';
import type { FinishedParams, StartResult } from '../protocol/trainerProtocol';
import type { SessionEvents } from './train/session';

export interface JsonReporter {
  events: SessionEvents;
  started(result: StartResult): void;
  /** Reports the end and returns the exit code. */
  finished(result: FinishedParams): number;
  failed(error: unknown, runDir: string | undefined, exitCode?: CliExitCode): number;
}

export function jsonReporter(write: (line: string) => void): JsonReporter {
  const emit = (line: TrainJsonLine) => write(formatJsonLine(line));
  return {
    events: {
      status: (s) => emit({ type: 'status', ...s }),
      metrics: (r) => emit({ type: 'metrics', ...r }),
      sample: (e) => emit({ type: 'sample', ...e }),
      checkpoint: (e) => emit({ type: 'checkpoint', ...e }),
      log: (line) => emit({ type: 'log', line }),
    },
    started: (result) => emit({ type: 'started', ...result }),
    finished: (result) => {
      emit({ type: 'finished', status: result.status, runDir: result.runDir, progress: result.progress, exitCode: CLI_EXIT.ok });
      return CLI_EXIT.ok;
    },
    failed: (error, runDir, exitCode = CLI_EXIT.failed) => {
      const e = error as Error & { hint?: string };
      emit({ type: 'failed', message: e instanceof Error ? e.message : String(error), ...(e.hint ? { hint: e.hint } : {}), ...(runDir ? { runDir } : {}), exitCode });
      return exitCode;
    },
  };
}
