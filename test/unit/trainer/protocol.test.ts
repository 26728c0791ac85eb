/** The JSON-RPC protocol with the trainer as a real child process: start → metrics → stop → checkpoint → exit 0. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import type { CheckpointEntry, MetricRecord, SampleEntry } from '../../../src/protocol/runFormat';
import {
  CheckpointNotification,
  CheckpointRequest,
  FailedNotification,
  FailedParams,
  FinishedNotification,
  FinishedParams,
  MetricsNotification,
  PauseRequest,
  ResumeRequest,
  SampleNotification,
  StartRequest,
  StatusNotification,
  StatusParams,
  StopRequest,
} from '../../../src/protocol/trainerProtocol';
import { RpcChildProcess } from '../../../src/extension/process/childProcess';
import { REPO_ROOT, tempDir, writeImagesFixture } from '../helpers';

const SCRIPT = path.join(REPO_ROOT, 'dist', 'trainer.js');

function record(trainer: RpcChildProcess) {
  const seen = { status: [] as StatusParams[], metrics: [] as MetricRecord[], samples: [] as SampleEntry[], checkpoints: [] as CheckpointEntry[], finished: [] as FinishedParams[], failed: [] as FailedParams[], stdout: [] as string[] };
  trainer.connection.onNotification(StatusNotification, (p) => seen.status.push(p));
  trainer.connection.onNotification(MetricsNotification, (p) => seen.metrics.push(p));
  trainer.connection.onNotification(SampleNotification, (p) => seen.samples.push(p));
  trainer.connection.onNotification(CheckpointNotification, (p) => seen.checkpoints.push(p));
  trainer.connection.onNotification(FinishedNotification, (p) => seen.finished.push(p));
  trainer.connection.onNotification(FailedNotification, (p) => seen.failed.push(p));
  return seen;
}

async function until(condition: () => boolean, what: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('trainer protocol (real child process)', () => {
  const dataDir = tempDir();
  before(() => {
    assert.ok(fs.existsSync(SCRIPT), 'dist/trainer.js is missing: run `npm run build` first');
    writeImagesFixture(dataDir, 64);
  });

  it('start → metrics → pause/resume → checkpoint → stop → checkpoint → exit 0', async () => {
    const stdout: string[] = [];
    const trainer = new RpcChildProcess({ script: SCRIPT, onStdout: (l) => stdout.push(l) });
    const seen = record(trainer);
    const runsRoot = tempDir();
    const started = await trainer.connection.sendRequest(StartRequest, {
      config: { ...presetConfig('smoke'), backend: 'auto', epochs: 1000, maxSteps: null, logEvery: 1 },
      runsRoot,
      dataDirs: [dataDir],
      offline: true,
    });
    assert.equal(path.dirname(started.runDir), runsRoot);
    assert.equal(started.backend.name, 'wasm');
    await until(() => seen.metrics.length >= 2, 'metrics');
    await trainer.connection.sendRequest(PauseRequest);
    await until(() => seen.status.some((s) => s.phase === 'paused'), 'paused status');
    // The step counter proves the pause (logEvery 1: every step sends its metrics): the trainer
    // says the step it paused at, a checkpoint taken while paused holds exactly that step, and
    // after resuming, training goes on from it (no step ran in between, none was skipped).
    const pausedStep = seen.status.find((s) => s.phase === 'paused')!.progress!.step;
    const during = await trainer.connection.sendRequest(CheckpointRequest);
    assert.equal(during.reason, 'request');
    assert.equal(during.step, pausedStep, 'no training while paused: the checkpoint holds the step it paused at');
    const pausedAt = seen.metrics.length;
    assert.deepEqual(seen.metrics.map((m) => m.step), Array.from({ length: pausedAt }, (_, i) => i + 1), 'every step before the pause, once');
    assert.equal(pausedAt, pausedStep);
    await trainer.connection.sendRequest(ResumeRequest);
    await until(() => seen.metrics.length > pausedAt + 1, 'metrics after resume');
    assert.equal(seen.metrics[pausedAt].step, pausedStep + 1, 'no training while paused: it goes on from the step it paused at');
    const { checkpoint } = await trainer.connection.sendRequest(StopRequest);
    const exit = await trainer.exited;
    assert.equal(exit.code, 0, exit.stderrTail.join('\n'));
    assert.equal(seen.finished.length, 1);
    assert.equal(seen.finished[0].status, 'stopped');
    assert.equal(checkpoint?.step, seen.finished[0].progress.step, 'the stop checkpoint holds the last step (an epoch-end one at the same step is reused)');
    assert.equal(seen.failed.length, 0);
    assert.ok(seen.checkpoints.some((c) => c.id === checkpoint!.id));
    assert.ok(seen.samples.length >= 1);
    assert.ok(stdout.some((l) => l.startsWith('ep 0; batch 0/4')), 'human-readable log on stdout');
    const manifest = JSON.parse(fs.readFileSync(path.join(started.runDir, 'run.json'), 'utf8'));
    assert.equal(manifest.status, 'stopped');
  });

  it('reports a failure a user can act on, then exits 1', async () => {
    const trainer = new RpcChildProcess({ script: SCRIPT });
    const seen = record(trainer);
    const notAFolder = path.join(tempDir(), 'file');
    fs.writeFileSync(notAFolder, '');
    await assert.rejects(
      trainer.connection.sendRequest(StartRequest, { config: { ...presetConfig('smoke'), backend: 'cpu' }, runsRoot: path.join(notAFolder, 'runs'), dataDirs: [dataDir], offline: true }),
      /Cannot write .*file\/runs/,
    );
    const exit = await trainer.exited;
    assert.equal(exit.code, 1);
    assert.equal(seen.failed.length, 1);
    assert.match(seen.failed[0].hint ?? '', /ganStudio.runsRoot/);
  });

  it('stops cleanly with a checkpoint when the host goes away', async () => {
    const trainer = new RpcChildProcess({ script: SCRIPT });
    const seen = record(trainer);
    const started = await trainer.connection.sendRequest(StartRequest, {
      config: { ...presetConfig('smoke'), backend: 'auto', epochs: 1000, maxSteps: null, logEvery: 1 },
      runsRoot: tempDir(),
      dataDirs: [dataDir],
      offline: true,
    });
    await until(() => seen.metrics.length >= 1, 'metrics');
    process.kill(trainer.pid!, 'SIGTERM');
    const exit = await trainer.exited;
    assert.equal(exit.code, 0);
    const manifest = JSON.parse(fs.readFileSync(path.join(started.runDir, 'run.json'), 'utf8'));
    assert.equal(manifest.status, 'stopped');
    assert.equal(manifest.checkpoints[manifest.checkpoints.length - 1].step, manifest.progress.step);
  });
});
