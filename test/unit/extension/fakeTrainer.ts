/**
 * A fake trainer for controller tests: the real protocol over in-memory streams, with a script of
 * what the "process" does. Speaks exactly the messages in src/protocol/trainerProtocol.ts.
 */
import { PassThrough } from 'node:stream';
import { createMessageConnection, MessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import type { MetricRecord, Progress } from '../../../src/protocol/runFormat';
import {
  CheckpointNotification,
  FailedNotification,
  FinishedNotification,
  MetricsNotification,
  PauseRequest,
  ResumeRequest,
  StartRequest,
  StartResult,
  StatusNotification,
  StopRequest,
} from '../../../src/protocol/trainerProtocol';
import type { TrainerHandle } from '../../../src/extension/training/trainingController';
import type { ChildExit } from '../../../src/extension/process/childProcess';

export function progress(step: number, totalSteps = 100): Progress {
  return { step, epoch: Math.floor(step / 10), totalSteps, stepsPerEpoch: 10, imagesPerSec: 500, etaSec: totalSteps - step, elapsedSec: step };
}

export function metric(step: number): MetricRecord {
  return { step, epoch: Math.floor(step / 10), batch: step % 10, lossD: 1 / (step + 1), lossG: 2, dReal: 0.6, dFake: 0.3, dFakeAfter: 0.35, imagesPerSec: 500, elapsedSec: step, time: Date.now() };
}

export interface FakeTrainer extends TrainerHandle {
  /** The trainer's side of the connection. */
  server: MessageConnection;
  /** Ends the "process". */
  exit(code: number | null, signal?: NodeJS.Signals | null): void;
  stopRequests: number;
  paused: boolean;
}

export interface FakeOptions {
  /** Reject the start request with this error (as the real trainer does when data is missing). */
  startFails?: { message: string; hint: string };
}

export function fakeTrainer(options: FakeOptions = {}): FakeTrainer {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const server = createMessageConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  let resolveExit!: (exit: ChildExit) => void;
  const exited = new Promise<ChildExit>((resolve) => (resolveExit = resolve));
  let ended = false;
  const fake: FakeTrainer = {
    connection: client,
    server,
    exited,
    pid: 4242,
    stopRequests: 0,
    paused: false,
    exit(code, signal = null) {
      if (ended) return;
      ended = true;
      // Let queued messages arrive first, like a process flushing its IPC channel.
      setTimeout(() => {
        client.dispose();
        server.dispose();
        resolveExit({ code, signal, durationMs: 10, stderrTail: signal ? ['Killed'] : [] });
      }, 10);
    },
    async stop() {
      fake.stopRequests += 1;
      await client.sendRequest(StopRequest).catch(() => undefined);
      return exited;
    },
    kill() {
      fake.exit(null, 'SIGKILL');
    },
  };
  server.onRequest(StartRequest, async (params): Promise<StartResult> => {
    if (options.startFails) {
      void server.sendNotification(FailedNotification, options.startFails);
      setTimeout(() => fake.exit(1), 5);
      throw new ResponseError(1, options.startFails.message, options.startFails);
    }
    return {
      runId: 'run-1',
      runDir: `${params.runsRoot}/run-1`,
      backend: { name: 'wasm', detail: 'fake', skipped: [] },
      progress: progress(0),
    };
  });
  server.onRequest(StopRequest, async () => {
    const checkpoint = { id: 'step-000005', step: 5, epoch: 0, reason: 'stop' as const, time: new Date().toISOString() };
    void server.sendNotification(CheckpointNotification, checkpoint);
    void server.sendNotification(FinishedNotification, { status: 'stopped', runDir: '/runs/run-1', progress: progress(5) });
    setTimeout(() => fake.exit(0), 5);
    return { checkpoint };
  });
  server.onRequest(PauseRequest, () => {
    fake.paused = true;
    void server.sendNotification(StatusNotification, { phase: 'paused', message: 'Paused', progress: progress(3) });
  });
  server.onRequest(ResumeRequest, () => {
    fake.paused = false;
    void server.sendNotification(StatusNotification, { phase: 'training', message: 'Training', progress: progress(3) });
  });
  server.listen();
  client.listen();
  return fake;
}

export function sendMetrics(fake: FakeTrainer, step: number): void {
  void fake.server.sendNotification(StatusNotification, { phase: 'training', message: 'Training', progress: progress(step + 1) });
  void fake.server.sendNotification(MetricsNotification, metric(step));
}

export const smokeConfig = presetConfig('smoke');
