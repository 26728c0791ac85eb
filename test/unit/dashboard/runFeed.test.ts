/** A run as the dashboard follows it: snapshot, then only what changed, from the store and the live trainer. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Emitter } from 'vscode-jsonrpc';
import { writeFileAtomic } from '../../../src/common/atomicFile';
import { FeedController, LiveRun, RunFeed } from '../../../src/extension/dashboard/runFeed';
import { buildRunInfo, dashboardStatus, LiveState } from '../../../src/extension/dashboard/runInfo';
import { RunStore } from '../../../src/extension/runs/runStore';
import { METRICS_FILE, SampleEntry } from '../../../src/protocol/runFormat';
import { QUALITY_FILE, QualityRecord } from '../../../src/protocol/qualityFormat';
import { appendRecords, recordLines, syntheticRecords, tempRunsRoot, updateManifest, writeRun } from '../../fixtures/runFixtures';

class FakeLiveRun implements LiveRun {
  readonly changed = new Emitter<unknown>();
  readonly metrics = new Emitter<unknown>();
  readonly samples = new Emitter<SampleEntry>();
  readonly onDidChange = this.changed.event;
  readonly onMetrics = this.metrics.event;
  readonly onSample = this.samples.event;
  state: LiveState = { phase: 'training', message: 'Training' };
  finish!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));
  constructor(readonly runDir: string) {}
}

class FakeController implements FeedController {
  readonly started = new Emitter<LiveRun>();
  readonly onDidStart = this.started.event;
  runs: LiveRun[] = [];
  findByRunDir(dir: string): LiveRun | undefined {
    return this.runs.find((r) => r.runDir === dir);
  }
}

describe('dashboard host: run feed', () => {
  let root: string;
  let store: RunStore;
  let controller: FakeController;
  let stale: number;
  const feeds: RunFeed[] = [];
  const feed = (dir: string) => {
    const f = new RunFeed(dir, store, controller, () => stale++);
    feeds.push(f);
    return f;
  };

  beforeEach(() => {
    root = tempRunsRoot();
    controller = new FakeController();
    stale = 0;
  });
  afterEach(() => {
    for (const f of feeds.splice(0)) f.dispose();
    store?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives a snapshot of a finished run, then nothing until something changes', () => {
    const run = writeRun(root, { name: 'done', records: syntheticRecords(12, 0, { every: 2, stepsPerEpoch: 4 }), sampleSteps: [0, 4, 8], writeGrids: true });
    store = new RunStore(root, false);
    const f = feed(run.dir);
    const snap = f.snapshot();
    assert.ok(snap.ok);
    assert.equal(snap.value.info.name, 'done');
    assert.equal(snap.value.info.status, 'completed');
    assert.equal(snap.value.metrics.step.length, 12);
    assert.deepEqual(snap.value.samples.map((s) => s.step), [0, 4, 8]);
    assert.equal(snap.value.hasRealGrid, true);
    const poll = f.poll();
    assert.ok(poll.ok);
    assert.equal(poll.value, undefined);
  });

  it('sends the quality evaluations in the snapshot, and again only when quality.jsonl changed', () => {
    const run = writeRun(root, { name: 'evaluated', records: syntheticRecords(4) });
    const record = (step: number, fid: number): QualityRecord => ({
      step, epoch: 0, source: 'training', evaluator: 'fmnist-v1', samples: 64, fid, kid: 0.1, kidStd: 0.01, precision: 0.5, recall: 0.5,
      coverage: { histogram: new Array(10).fill(0.1), entropy: 1, minShare: 0.1, maxShare: 0.1, meanConfidence: 0.9 }, alarm: false, alarmReasons: [], seconds: 1, time: step,
    });
    fs.writeFileSync(path.join(run.dir, QUALITY_FILE), `${JSON.stringify(record(1, 40))}\n`);
    store = new RunStore(root, false);
    const f = feed(run.dir);
    const snap = f.snapshot();
    assert.ok(snap.ok);
    assert.deepEqual(snap.value.quality.map((q) => q.fid), [40]);
    fs.appendFileSync(path.join(run.dir, QUALITY_FILE), `${JSON.stringify(record(3, 30))}\n`);
    store.refresh([run.dir], new Map([[run.dir, new Set([QUALITY_FILE])]]));
    const poll = f.poll();
    assert.ok(poll.ok && poll.value);
    assert.deepEqual(poll.value.quality?.map((q) => q.fid), [40, 30]);
    store.refresh([run.dir], new Map([[run.dir, new Set([QUALITY_FILE])]]));
    const again = f.poll();
    assert.ok(again.ok);
    assert.equal(again.value?.quality, undefined, 'unchanged evaluations are not sent again');
  });

  it('follows a run another process writes: appended records, then the new manifest', () => {
    const run = writeRun(root, { name: 'cli', status: 'running', records: syntheticRecords(5) });
    store = new RunStore(root, false);
    const f = feed(run.dir);
    assert.equal((f.snapshot() as { value: { info: { status: string; live: boolean; controllable: boolean } } }).value.info.live, true);
    appendRecords(run, syntheticRecords(3, 5));
    store.refresh([run.dir], new Map([[run.dir, new Set([METRICS_FILE])]]));
    assert.ok(stale > 0, 'the store event marks the feed stale');
    const delta = f.poll();
    assert.ok(delta.ok && delta.value);
    assert.deepEqual([...delta.value.append!.step], [5, 6, 7]);
    assert.equal(delta.value.info, undefined, 'the manifest did not change');
    updateManifest(run, { status: 'completed', pid: null, samples: [{ step: 7, epoch: 1, file: 'samples/step-000007.grid.png', time: new Date().toISOString() }] });
    store.refresh([run.dir], new Map([[run.dir, new Set(['run.json'])]]));
    const next = f.poll();
    assert.ok(next.ok && next.value);
    assert.equal(next.value.info?.status, 'completed');
    assert.equal(next.value.samples?.length, 1);
    assert.equal(next.value.append, undefined);
  });

  it('sees appends of a run trained elsewhere at once, without waiting for the store’s quiet moment', async () => {
    const run = writeRun(root, { name: 'cli', status: 'running', records: syntheticRecords(5) });
    // Followed through the store's own watcher (the feed has none of its own).
    store = new RunStore(root);
    const f = feed(run.dir);
    f.snapshot();
    for (let k = 0; k < 5; k++) {
      const before = stale;
      appendRecords(run, syntheticRecords(2, 5 + 2 * k));
      const deadline = Date.now() + 5000;
      while (stale === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(stale > before, `append ${k} was noticed`);
      const delta = f.poll();
      assert.ok(delta.ok && delta.value?.append);
      assert.equal(delta.value.append.step.length, 2);
    }
  });

  it('sends every row again when a resume rewrote metrics.jsonl', () => {
    const run = writeRun(root, { records: syntheticRecords(20) });
    store = new RunStore(root, false);
    const f = feed(run.dir);
    f.snapshot();
    writeFileAtomic(path.join(run.dir, METRICS_FILE), recordLines(syntheticRecords(8)));
    store.refresh([run.dir], new Map([[run.dir, new Set([METRICS_FILE])]]));
    const delta = f.poll();
    assert.ok(delta.ok && delta.value?.replace);
    assert.equal(delta.value.replace.step.length, 8);
  });

  it('uses the live trainer of this window: its phase, its metrics and its grids', async () => {
    const run = writeRun(root, { name: 'live', status: 'running', records: syntheticRecords(2) });
    store = new RunStore(root, false);
    const f = feed(run.dir);
    f.snapshot();
    const live = new FakeLiveRun(run.dir);
    controller.runs.push(live);
    controller.started.fire(live);
    let delta = f.poll();
    assert.ok(delta.ok);
    assert.equal(delta.value?.info?.controllable, true);
    live.state = { phase: 'paused', message: 'Paused' };
    live.changed.fire(live);
    delta = f.poll();
    assert.ok(delta.ok);
    assert.equal(delta.value?.info?.status, 'paused');
    const before = stale;
    appendRecords(run, syntheticRecords(1, 2));
    live.metrics.fire({});
    assert.equal(stale, before + 1);
    delta = f.poll();
    assert.ok(delta.ok);
    assert.deepEqual([...delta.value!.append!.step], [2]);
    live.samples.fire({ step: 2, epoch: 0, file: 'samples/step-000002.grid.png', time: new Date().toISOString() });
    delta = f.poll();
    assert.ok(delta.ok);
    assert.deepEqual(delta.value?.samples?.map((s) => s.step), [2], 'a grid announced by the trainer shows before run.json says so');
    // The trainer ends: the feed reads the final manifest.
    updateManifest(run, { status: 'stopped', pid: null, checkpoints: [{ id: 'step-000003', step: 3, epoch: 0, reason: 'stop', time: new Date().toISOString() }] });
    controller.runs = [];
    live.state = { phase: 'ended', message: 'stopped' };
    live.finish();
    await live.done;
    await new Promise((r) => setImmediate(r));
    delta = f.poll();
    assert.ok(delta.ok);
    assert.equal(delta.value?.info?.status, 'stopped');
    assert.equal(delta.value?.info?.canResume, true);
    assert.equal(delta.value?.info?.controllable, false);
  });

  it('says when the run folder is gone', () => {
    const run = writeRun(root, {});
    store = new RunStore(root, false);
    const f = feed(run.dir);
    f.snapshot();
    fs.rmSync(run.dir, { recursive: true });
    store.refresh([run.dir]);
    const delta = f.poll();
    assert.equal(delta.ok, false);
    assert.match((delta as { message: string }).message, /no longer exists/);
  });

  it('disposes its listeners', () => {
    const run = writeRun(root, {});
    store = new RunStore(root, false);
    const f = new RunFeed(run.dir, store, controller, () => stale++);
    f.dispose();
    store.refresh([run.dir], new Map([[run.dir, new Set([METRICS_FILE])]]));
    controller.started.fire(new FakeLiveRun(run.dir));
    assert.equal(stale, 0);
  });
});

describe('dashboard host: run status', () => {
  let root: string;
  let store: RunStore;
  beforeEach(() => (root = tempRunsRoot()));
  afterEach(() => {
    store?.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refines the manifest’s status with the live trainer, and tells a killed trainer', () => {
    const running = writeRun(root, { status: 'running' });
    const killed = writeRun(root, { status: 'running', pid: 2 ** 22 + 12345, checkpoints: [4] });
    const failed = writeRun(root, { status: 'failed' });
    store = new RunStore(root, false);
    const s = store.get(running.dir)!;
    assert.equal(dashboardStatus(s, undefined), 'running');
    assert.equal(dashboardStatus(s, { phase: 'loading-data', message: 'Loading' }), 'starting');
    assert.equal(dashboardStatus(s, { phase: 'paused', message: '' }), 'paused');
    assert.equal(dashboardStatus(s, { phase: 'stopping', message: '' }), 'stopping');
    assert.equal(dashboardStatus(s, { phase: 'ended', message: '' }), 'running');
    const k = buildRunInfo(store.get(killed.dir)!, undefined)!;
    assert.equal(k.status, 'interrupted');
    assert.equal(k.canResume, true);
    assert.equal(k.live, false);
    const f = buildRunInfo(store.get(failed.dir)!, undefined)!;
    assert.equal(f.status, 'failed');
    assert.equal(f.error?.hint, 'Use a smaller batch size.');
    const live = buildRunInfo(s, { phase: 'training', message: 'Training', progress: { ...s.manifest!.progress, step: 99 } })!;
    assert.equal(live.progress.step, 99);
    assert.equal(live.controllable, true);
    assert.equal(live.canResume, false);
  });

  it('lists the loss and stabilisers a run changes in the header’s config line, and nothing for the lesson’s', () => {
    const lesson = writeRun(root, { status: 'completed' });
    const tuned = writeRun(root, { status: 'completed' });
    updateManifest(tuned, { config: { ...tuned.manifest.config, loss: 'hinge', dSteps: 2, gEma: 0.999, spectralNorm: true } });
    store = new RunStore(root, false);
    assert.equal(buildRunInfo(store.get(lesson.dir)!, undefined)!.configSummary, 'smoke · batch 16 · lr 0.0002 · latent 100 · width 8 · seed 42');
    assert.equal(buildRunInfo(store.get(tuned.dir)!, undefined)!.configSummary, 'smoke · batch 16 · lr 0.0002 · latent 100 · width 8 · seed 42 · hinge loss · 2 D steps · G EMA 0.999 · spectral norm');
  });
});
