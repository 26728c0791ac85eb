/**
 * gan-studio-eval as a child process of the extension host (TensorFlow.js never runs in the
 * extension host): forked with `--json`, log lines from stderr, the result as the JSON line on
 * stdout. A Promise of the record and a cancel that kills the child. No vscode import.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { QualityRecord } from '../../protocol/qualityFormat';

export interface EvalProcessOptions {
  /** dist/evalCli.js */
  script: string;
  runDir: string;
  checkpoint?: string;
  samples?: number;
  dataDir?: string;
  cacheDir?: string;
  backend?: string;
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
}

export class EvalProcessError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string[],
  ) {
    super(message);
    this.name = 'EvalProcessError';
  }
}

export function evalArgs(o: EvalProcessOptions): string[] {
  return [
    o.runDir,
    '--json',
    ...(o.checkpoint ? ['--checkpoint', o.checkpoint] : []),
    ...(o.samples ? ['--samples', String(o.samples)] : []),
    ...(o.dataDir ? ['--data', o.dataDir] : []),
    ...(o.cacheDir ? ['--cache', o.cacheDir] : []),
    ...(o.backend ? ['--backend', o.backend] : []),
  ];
}

export function runEvalProcess(o: EvalProcessOptions): { result: Promise<QualityRecord>; cancel(): void } {
  const child: ChildProcess = fork(o.script, evalArgs(o), {
    env: { ...process.env, ...o.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const tail: string[] = [];
  let last: string | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.trim()) last = line;
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    o.onLog?.(line);
  });
  const result = new Promise<QualityRecord>((resolve, reject) => {
    child.on('error', (error) => reject(new EvalProcessError(error.message, tail)));
    child.on('exit', (code, signal) => {
      if (code === 0 && last) {
        try {
          resolve(JSON.parse(last) as QualityRecord);
          return;
        } catch {
          // fall through: report the output
        }
      }
      const problem = tail.filter((l) => l.startsWith('gan-studio-eval:')).join(' ') || tail.slice(-3).join(' | ');
      reject(new EvalProcessError(signal ? `The evaluation was stopped (${signal}).` : `The evaluation failed (exit code ${code}). ${problem}`.trim(), tail));
    });
  });
  return { result, cancel: () => void child.kill() };
}
