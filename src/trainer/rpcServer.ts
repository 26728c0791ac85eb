/**
 * The trainer's side of the JSON-RPC protocol (src/protocol/trainerProtocol.ts): one training
 * session per process. Stop, a closed IPC channel (the extension host went away) and SIGTERM all
 * end the session cleanly: finish the step, checkpoint, report, exit.
 */
import type { MessageConnection } from 'vscode-jsonrpc';
import { ResponseError } from 'vscode-jsonrpc';
import {
  CheckpointNotification,
  CheckpointRequest,
  EXIT,
  FailedNotification,
  FinishedNotification,
  MetricsNotification,
  PauseRequest,
  QualityNotification,
  RenameRequest,
  ResumeRequest,
  SampleNotification,
  StartRequest,
  StatusNotification,
  StopRequest,
} from '../protocol/trainerProtocol';
import { SessionEvents, SessionOptions, toRunError, TrainingSession } from './train/session';

export interface ServerHooks {
  /** Ends the process once the outcome has been reported. */
  exit(code: number): void;
  /** Human-readable log output (stdout). */
  log(line: string): void;
}

const NOT_STARTED = -32002;

export function serve(connection: MessageConnection, hooks: ServerHooks, options: SessionOptions = {}): { shutdown(): void } {
  let session: TrainingSession | undefined;
  let starting = false;
  let shuttingDown = false;

  const events: SessionEvents = {
    status: (p) => void connection.sendNotification(StatusNotification, p),
    metrics: (r) => void connection.sendNotification(MetricsNotification, r),
    sample: (s) => void connection.sendNotification(SampleNotification, s),
    checkpoint: (c) => void connection.sendNotification(CheckpointNotification, c),
    quality: (q) => void connection.sendNotification(QualityNotification, q),
    log: hooks.log,
  };

  const requireSession = (): TrainingSession => {
    if (!session) throw new ResponseError(NOT_STARTED, 'No training session has started yet.');
    return session;
  };

  connection.onRequest(StartRequest, async (params) => {
    if (session || starting) throw new ResponseError(NOT_STARTED, 'This trainer process already has a session; start another process.');
    starting = true;
    try {
      session = await TrainingSession.prepare(params, events, options);
    } catch (error) {
      const runError = toRunError(error);
      hooks.log(`Failed to start: ${runError.message}`);
      void connection.sendNotification(FailedNotification, runError);
      setImmediate(() => hooks.exit(EXIT.failed));
      throw new ResponseError(EXIT.failed, runError.message, runError);
    }
    const started = session;
    setImmediate(() => {
      started.run().then(
        (finished) => {
          void connection.sendNotification(FinishedNotification, finished);
          hooks.exit(EXIT.ok);
        },
        (error) => {
          void connection.sendNotification(FailedNotification, { ...toRunError(error), runDir: started.runDir });
          hooks.exit(EXIT.failed);
        },
      );
    });
    if (shuttingDown) void started.stop();
    return started.startResult;
  });

  connection.onRequest(StopRequest, async () => ({ checkpoint: await requireSession().stop() }));
  connection.onRequest(PauseRequest, () => requireSession().pause());
  connection.onRequest(ResumeRequest, () => requireSession().resume());
  connection.onRequest(CheckpointRequest, () => requireSession().checkpointNow());
  connection.onRequest(RenameRequest, ({ name }) => requireSession().rename(name));

  return {
    /** Called when the host disappears or the process is asked to terminate. */
    shutdown(): void {
      if (shuttingDown) return;
      shuttingDown = true;
      if (session) void session.stop();
      else if (!starting) hooks.exit(EXIT.ok);
    },
  };
}
