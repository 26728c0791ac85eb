/**
 * A child process of the extension host (the trainer, dist/trainer.js, for the training controller;
 * the generator, dist/generator.js, for the playground): started with fork (never in the extension
 * host itself), JSON-RPC over the IPC channel, stdout/stderr as human-readable lines. A Promise of
 * its exit and a Disposable that stops it. No vscode import, so it is unit-tested in plain Node.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, MessageConnection, RequestType0 } from 'vscode-jsonrpc/node';
import { StopRequest } from '../../protocol/trainerProtocol';

export interface RpcChildProcessOptions {
  /** Path of the child's bundle (dist/trainer.js or dist/generator.js). */
  script: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onStdout?: (line: string) => void;
  onStderr?: (line: string) => void;
  /** The request that asks the child to finish and exit: the trainer's `gan/stop` unless given (e.g. the generator's). */
  stopRequest?: RequestType0<unknown, unknown>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** The last lines the child wrote to stderr. */
  stderrTail: string[];
}

export class TrainerExitError extends Error {
  constructor(readonly exit: ChildExit) {
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    super(`The trainer process ${how} after ${(exit.durationMs / 1000).toFixed(1)} s.${exit.stderrTail.length ? ` Last output: ${exit.stderrTail.slice(-3).join(' | ')}` : ''}`);
    this.name = 'TrainerExitError';
  }
}

const STDERR_TAIL = 20;

export class RpcChildProcess {
  readonly connection: MessageConnection;
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly started = Date.now();
  private readonly stderrTail: string[] = [];
  private hasExited = false;
  private readonly stopRequest: RequestType0<unknown, unknown>;

  constructor(options: RpcChildProcessOptions) {
    this.stopRequest = options.stopRequest ?? StopRequest;
    this.child = fork(options.script, [], {
      cwd: options.cwd,
      // In desktop VS Code the extension host is Electron; this makes the child a plain Node process.
      env: { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => options.onStdout?.(line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
      options.onStderr?.(line);
    });
    this.connection = createMessageConnection(new IPCMessageReader(this.child), new IPCMessageWriter(this.child));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.hasExited) return;
        this.hasExited = true;
        this.connection.dispose();
        resolve({ code, signal, durationMs: Date.now() - this.started, stderrTail: [...this.stderrTail] });
      };
      this.child.on('exit', finish);
      this.child.on('error', (error) => {
        this.stderrTail.push(error.message);
        finish(null, null);
      });
    });
    this.connection.listen();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.hasExited;
  }

  /**
   * Asks the child to stop cleanly (the trainer finishes the step, checkpoints and exits) and waits;
   * kills it if it has not exited after `timeoutMs`.
   */
  async stop(timeoutMs = 60000): Promise<ChildExit> {
    if (this.running) {
      this.connection.sendRequest(this.stopRequest).catch(() => undefined);
      const timer = setTimeout(() => this.kill(), timeoutMs);
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  /** Stops the child cleanly (bounded wait). */
  async dispose(): Promise<void> {
    await this.stop();
  }
}
