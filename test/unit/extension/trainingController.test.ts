import * as assert from 'node:assert/strict';
import { StartError, TrainingController } from '../../../src/extension/training/trainingController';
import { FailedNotification, FinishedNotification } from '../../../src/protocol/trainerProtocol';
import { FakeTrainer, fakeTrainer, progress, sendMetrics, smokeConfig } from './fakeTrainer';

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the training controller (against a fake trainer)', () => {
  let fakes: FakeTrainer[];
  let lines: string[];
  let controller: TrainingController;

  beforeEach(() => {
    fakes = [];
    lines = [];
    controller = new TrainingController((log) => {
      const fake = fakeTrainer();
      fakes.push(fake);
      log('Backend: wasm');
      return fake;
    }, (line) => lines.push(line));
  });

  it('starts a run, follows its metrics and phase, and reports a clean stop', async () => {
    const started: string[] = [];
    controller.onDidStart((r) => started.push(r.name));
    const run = await controller.start('smoke', { config: smokeConfig, runsRoot: '/runs' });
    assert.equal(run.runDir, '/runs/run-1');
    assert.deepEqual(started, ['smoke']);
    assert.equal(controller.findByRunDir('/runs/run-1'), run);
    assert.deepEqual(lines, ['[smoke] Backend: wasm']);

    const seen: number[] = [];
    run.onMetrics((m) => seen.push(m.step));
    sendMetrics(fakes[0], 0);
    sendMetrics(fakes[0], 1);
    await until(() => seen.length === 2, 'metrics');
    assert.equal(run.state.phase, 'training');
    assert.equal(run.state.lastMetrics?.step, 1);
    assert.equal(run.state.progress?.step, 2);

    await run.pause();
    await until(() => run.paused, 'paused');
    await run.resume();
    await until(() => !run.paused, 'resumed');

    const ended: string[] = [];
    controller.onDidEnd((e) => ended.push(e.outcome.status));
    const outcome = await run.stop();
    assert.deepEqual(outcome, { status: 'stopped', runDir: '/runs/run-1', progress: progress(5) });
    assert.equal(fakes[0].stopRequests, 1);
    assert.equal(run.ended, true);
    await until(() => ended.length === 1, 'end event');
    assert.deepEqual(ended, ['stopped']);
    assert.deepEqual(controller.active, []);
  });

  it('reports a completed run', async () => {
    const run = await controller.start('smoke', { config: smokeConfig, runsRoot: '/runs' });
    void fakes[0].server.sendNotification(FinishedNotification, { status: 'completed', runDir: '/runs/run-1', progress: progress(100) });
    fakes[0].exit(0);
    const outcome = await run.done;
    assert.equal(outcome.status, 'completed');
  });

  it('passes on a failure with its message and hint', async () => {
    const run = await controller.start('smoke', { config: smokeConfig, runsRoot: '/runs' });
    void fakes[0].server.sendNotification(FailedNotification, { message: 'Cannot write run.json: ENOSPC', hint: 'The disk is full.' });
    fakes[0].exit(1);
    const outcome = await run.done;
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.status === 'failed' && outcome.error, { message: 'Cannot write run.json: ENOSPC', hint: 'The disk is full.', detail: undefined });
  });

  it('turns a killed trainer into a failure that says what to do', async () => {
    const run = await controller.start('smoke', { config: smokeConfig, runsRoot: '/runs' });
    fakes[0].kill();
    const outcome = await run.done;
    assert.equal(outcome.status, 'failed');
    if (outcome.status !== 'failed') return;
    assert.match(outcome.error.message, /ended unexpectedly \(signal SIGKILL\)/);
    assert.match(outcome.error.hint ?? '', /Resume the run from its last checkpoint/);
    assert.equal(outcome.runDir, '/runs/run-1');
  });

  it('rejects a start the trainer refuses, with the trainer’s message and hint', async () => {
    const failing = new TrainingController(() => fakeTrainer({ startFails: { message: 'FashionMNIST not found', hint: 'Set ganStudio.datasetFolder' } }), () => undefined);
    await assert.rejects(
      failing.start('smoke', { config: smokeConfig, runsRoot: '/runs' }),
      (e: unknown) => e instanceof StartError && e.error.message === 'FashionMNIST not found' && e.error.hint === 'Set ganStudio.datasetFolder',
    );
    await until(() => failing.active.length === 0, 'the refused run to go away');
  });

  it('stops every run when disposed (VS Code closing)', async () => {
    const a = await controller.start('a', { config: smokeConfig, runsRoot: '/runs' });
    const b = await controller.start('b', { config: smokeConfig, runsRoot: '/runs' });
    await controller.dispose();
    assert.deepEqual(fakes.map((f) => f.stopRequests), [1, 1]);
    assert.ok(a.ended && b.ended);
  });
});
