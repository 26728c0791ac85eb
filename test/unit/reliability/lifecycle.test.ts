/**
 * The trainer's life-cycle and its guards, in-process: failures and aborts at start-up, resume of a
 * run without a checkpoint, one trainer per run (trainer.lock), hostile run folders, divergence
 * caught on every step, saturation warnings, temporary files of killed writes, progress on checkpoints.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ExperimentConfig, presetConfig } from '../../../src/protocol/experimentConfig';
import { LOCK_FILE, MetricRecord, RunManifest } from '../../../src/protocol/runFormat';
import { readMetrics, readRun } from '../../../src/common/runReader';
import { processStartTime } from '../../../src/common/runLock';
import { ResumeRefused, SessionEvents, StartCancelled, toRunError, TrainingSession } from '../../../src/trainer/train/session';
import { DatasetNotFoundError, locateDatasetFile, readImages, TRAIN_IMAGES } from '../../../src/trainer/data/fashionMnist';
import { DataFileError } from '../../../src/trainer/data/idx';
import { tempDir, writeImagesFixture } from '../helpers';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };
const losses = (records: MetricRecord[]) => records.map((r) => [r.step, r.lossD, r.lossG, r.dReal, r.dFake]);

function tiny(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return { ...presetConfig('smoke'), backend: 'auto', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 16, epochs: 3, maxSteps: null, ...overrides };
}

function manifestOf(runDir: string): RunManifest {
  const run = readRun(runDir);
  assert.ok(run.ok, run.ok ? '' : run.error);
  return run.manifest;
}

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the trainer life-cycle', () => {
  const dataDir = tempDir();
  before(() => writeImagesFixture(dataDir, 24));
  const common = { dataDirs: [dataDir], offline: true };

  it('a failure after the run folder exists marks the run failed; resuming it (no checkpoint) starts again from step 0, the same run', async () => {
    const root = tempDir();
    let runDir = '';
    await assert.rejects(
      TrainingSession.prepare({ config: tiny(), runsRoot: root, ...common }, {
        ...quiet,
        log: (line) => {
          const m = /^Run folder: (.+)$/.exec(line);
          if (m) {
            runDir = m[1];
            throw new Error('injected failure during start-up');
          }
        },
      }),
      /injected failure/,
    );
    const failed = manifestOf(runDir);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.pid, null);
    assert.match(failed.error!.message, /injected failure/);
    assert.match(failed.error!.hint!, /no checkpoint yet, so it starts again from step 0/);
    assert.ok(!fs.existsSync(path.join(runDir, LOCK_FILE)), 'the lock is given up');

    const resumed = await TrainingSession.prepare({ resume: { runDir }, runsRoot: root, ...common }, quiet);
    assert.equal(resumed.runDir, runDir);
    await resumed.run();
    const straight = await TrainingSession.prepare({ config: tiny({ name: 'straight' }), runsRoot: root, ...common }, quiet);
    await straight.run();
    assert.equal(manifestOf(runDir).status, 'completed');
    assert.equal(manifestOf(runDir).error, null);
    assert.deepEqual(losses(readMetrics(runDir).records), losses(readMetrics(straight.runDir).records));
  });

  it('an abort (SIGINT/SIGTERM) before the run folder exists writes nothing; after it, the run stops with a step-0 checkpoint and resumes', async () => {
    const root = tempDir();
    const early = new AbortController();
    await assert.rejects(
      TrainingSession.prepare({ config: tiny(), runsRoot: root, ...common }, { ...quiet, status: (s) => s.phase === 'loading-data' && early.abort() }, { signal: early.signal }),
      (e: unknown) => e instanceof StartCancelled,
    );
    assert.deepEqual(fs.existsSync(root) ? fs.readdirSync(root) : [], []);

    const late = new AbortController();
    const session = await TrainingSession.prepare({ config: tiny(), runsRoot: root, ...common }, { ...quiet, log: (l) => l.startsWith('Run folder:') && late.abort() }, { signal: late.signal });
    const finished = await session.run();
    assert.equal(finished.status, 'stopped');
    const m = manifestOf(session.runDir);
    assert.equal(m.status, 'stopped');
    assert.deepEqual(m.checkpoints.map((c) => c.id), ['step-000000']);
    const again = await TrainingSession.prepare({ resume: { runDir: session.runDir }, runsRoot: root, ...common }, quiet);
    assert.equal((await again.run()).status, 'completed');
    assert.equal(readMetrics(session.runDir).records.length, 9);
  });

  it('refuses to resume a run that a live trainer owns, and takes over the lock of a trainer that is gone (dead pid, reused pid)', async () => {
    const root = tempDir();
    const first = await TrainingSession.prepare({ config: tiny({ maxSteps: 2 }), runsRoot: root, ...common }, quiet);
    await first.run();
    const owner = await TrainingSession.prepare({ resume: { runDir: first.runDir, overrides: { maxSteps: 4 } }, runsRoot: root, ...common }, quiet);
    await assert.rejects(
      TrainingSession.prepare({ resume: { runDir: first.runDir, overrides: { maxSteps: 6 } }, runsRoot: root, ...common }, quiet),
      (e: unknown) => e instanceof ResumeRefused && e.message.includes(`process ${process.pid}`) && /Stop that trainer first/.test(e.hint),
    );
    await owner.run();
    assert.equal(manifestOf(first.runDir).progress.step, 4, 'the refused trainer wrote nothing');

    const lockFile = path.join(first.runDir, LOCK_FILE);
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), processStart: null, since: 'then' }));
    const afterKill = await TrainingSession.prepare({ resume: { runDir: first.runDir, overrides: { maxSteps: 5 } }, runsRoot: root, ...common }, quiet);
    await afterKill.run();
    const start = processStartTime(process.pid);
    if (start !== null) {
      fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, hostname: os.hostname(), processStart: `${start}0`, since: 'then' }));
      const reused = await TrainingSession.prepare({ resume: { runDir: first.runDir, overrides: { maxSteps: 6 } }, runsRoot: root, ...common }, quiet);
      await reused.run();
    }
    assert.ok(!fs.existsSync(lockFile));
  });

  it('never uses a path read from disk unchecked: hostile checkpoint ids in run.json or checkpoint.json are refused and nothing outside is touched', async () => {
    const root = tempDir();
    const victim = path.join(root, 'victim');
    fs.mkdirSync(victim);
    fs.writeFileSync(path.join(victim, 'keep.txt'), 'precious');
    const session = await TrainingSession.prepare({ config: tiny({ maxSteps: 7 }), runsRoot: path.join(root, 'runs'), ...common }, quiet);
    await session.run();
    const runFile = path.join(session.runDir, 'run.json');
    const good = fs.readFileSync(runFile, 'utf8');

    const crafted = JSON.parse(good) as RunManifest;
    crafted.checkpoints[0].id = '../../../victim';
    fs.writeFileSync(runFile, JSON.stringify(crafted));
    await assert.rejects(
      TrainingSession.prepare({ resume: { runDir: session.runDir, checkpoint: '../../../victim' }, runsRoot: root, ...common }, quiet),
      (e: unknown) => e instanceof ResumeRefused && /checkpoints\[0\]/.test(e.message),
    );
    fs.writeFileSync(runFile, good);

    const ckptFile = path.join(session.runDir, 'checkpoints', 'step-000003', 'checkpoint.json');
    const ckpt = JSON.parse(fs.readFileSync(ckptFile, 'utf8')) as Record<string, unknown>;
    for (const id of ['../../../victim', 'step-000006']) {
      fs.writeFileSync(ckptFile, JSON.stringify({ ...ckpt, id }));
      await assert.rejects(
        TrainingSession.prepare({ resume: { runDir: session.runDir, checkpoint: 'step-000003' }, runsRoot: root, ...common }, quiet),
        (e: unknown) => e instanceof ResumeRefused && /step-000003/.test(e.message),
      );
    }
    assert.equal(fs.readFileSync(path.join(victim, 'keep.txt'), 'utf8'), 'precious');
    assert.deepEqual(fs.readdirSync(path.join(root, 'runs')), [path.basename(session.runDir)], 'no branch was created');
  });

  it('catches divergence on a step that is not logged, before any checkpoint of NaN weights is saved', async () => {
    const root = tempDir();
    // Step 1 is always logged (src/protocol/steps.ts): the weights turn NaN after it, so step 2 (not logged) diverges.
    const poison = () => {
      const state = (session as unknown as { state: { model: { discriminator: { allVariables(): tf.Variable[] } } } }).state;
      const w = state.model.discriminator.allVariables()[0];
      tf.tidy(() => w.assign(tf.fill(w.shape, Number.NaN)));
    };
    // The poison goes into TensorFlow.js's variables, so the step runs there (the onnxruntime
    // engine keeps its own copy of the weights; the divergence check is the same for both).
    const session: TrainingSession = await TrainingSession.prepare(
      { config: tiny({ logEvery: 1000, sampleEvery: 1000 }), runsRoot: root, ...common },
      { ...quiet, metrics: (r) => { if (r.step === 1) poison(); } },
      { engine: 'tfjs' },
    );
    await assert.rejects(session.run(), /diverged at step 2/);
    const m = manifestOf(session.runDir);
    assert.equal(m.status, 'failed');
    assert.deepEqual(m.checkpoints, []);
    assert.deepEqual(fs.readdirSync(path.join(session.runDir, 'checkpoints')), []);
  });

  it('warns in run.json and the log when a run saturates (learning rate 1)', async () => {
    const root = tempDir();
    const lines: string[] = [];
    const session = await TrainingSession.prepare({ config: tiny({ learningRate: 1, epochs: 20 }), runsRoot: root, ...common }, { ...quiet, log: (l) => lines.push(l) });
    await session.run();
    const m = manifestOf(session.runDir);
    assert.equal(m.warnings?.length, 1, JSON.stringify(readMetrics(session.runDir).records.map((r) => [r.lossD, r.lossG])));
    assert.equal(m.warnings![0].kind, 'saturated');
    assert.ok(lines.some((l) => l.startsWith('Warning: Training looks saturated')));
  });

  it('readers tell a live trainer from a dead one by trainer.lock (a reused pid does not count as alive)', async () => {
    const root = tempDir();
    const session = await TrainingSession.prepare({ config: tiny({ maxSteps: 1 }), runsRoot: root, ...common }, quiet);
    const live = readRun(session.runDir);
    assert.ok(live.ok && live.manifest.status === 'running' && !live.interrupted, 'a live owner: running');
    await session.run();
    const runFile = path.join(session.runDir, 'run.json');
    const m = JSON.parse(fs.readFileSync(runFile, 'utf8'));
    fs.writeFileSync(runFile, JSON.stringify({ ...m, status: 'running', pid: process.pid, hostname: os.hostname() }));
    const lockFile = path.join(session.runDir, LOCK_FILE);
    const start = processStartTime(process.pid);
    fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, hostname: os.hostname(), processStart: start === null ? null : `${start}0`, since: 'then' }));
    const reused = readRun(session.runDir);
    assert.ok(reused.ok);
    if (start !== null) assert.equal(reused.interrupted, true, 'the pid lives but belongs to another process: interrupted');
    fs.writeFileSync(lockFile, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), processStart: null, since: 'then' }));
    const dead = readRun(session.runDir);
    assert.ok(dead.ok && dead.interrupted, 'a dead owner: interrupted');
  });

  it('removes temporary files of killed writes and updates progress on every checkpoint', async () => {
    const root = tempDir();
    const first = await TrainingSession.prepare({ config: tiny({ maxSteps: 3, logEvery: 1000 }), runsRoot: root, ...common }, quiet);
    await first.run();
    const dead = deadPid();
    const leftovers = [`.run.json.${dead}.4.tmp`, `checkpoints/.step-000006.${dead}.9.tmp`, `samples/.step-000004.grid.png.${dead}.2.tmp`];
    for (const f of leftovers) fs.writeFileSync(path.join(first.runDir, f), 'torn');
    const checkpointsSeen: [string, number][] = [];
    const second = await TrainingSession.prepare({ resume: { runDir: first.runDir, overrides: { maxSteps: null } }, runsRoot: root, ...common }, {
      ...quiet,
      checkpoint: (entry) => checkpointsSeen.push([entry.id, manifestOf(first.runDir).progress.step]),
    });
    for (const f of leftovers) assert.ok(!fs.existsSync(path.join(first.runDir, f)), `${f} removed`);
    await second.run();
    assert.deepEqual(checkpointsSeen, [['step-000006', 6], ['step-000009', 9]]);
  });
});

describe('start-up problems named precisely', () => {
  it('a data set with zero images names the file', () => {
    const dir = tempDir();
    const file = writeImagesFixture(dir, 0, new Uint8Array(0));
    assert.throws(() => readImages(file), (e: unknown) => e instanceof DataFileError && e.message.includes(file) && /holds no images/.test(e.message));
  });

  it('a data set folder that does not exist is an error, not silently replaced by another copy', async () => {
    const missing = path.join(tempDir(), 'nope');
    const system = tempDir();
    writeImagesFixture(system, 2);
    await assert.rejects(
      locateDatasetFile(TRAIN_IMAGES, { dataDirs: [missing], systemDir: system, offline: true }),
      (e: unknown) => e instanceof DatasetNotFoundError && e.message.includes(missing) && /does not exist/.test(e.message),
    );
  });

  it('running out of memory says to make the model smaller, and a run without a checkpoint is not told to resume from one', () => {
    const oom = toRunError(new Error('Aborted(Cannot enlarge memory arrays to size 2147549184 bytes)'), false);
    assert.match(oom.message, /does not fit in memory/);
    assert.match(oom.hint!, /Lower featureSize or batchSize/);
    const bug = toRunError(new Error('something else'), false);
    assert.doesNotMatch(bug.hint!, /last checkpoint/);
    assert.match(bug.hint!, /starts again from step 0/);
  });
});
