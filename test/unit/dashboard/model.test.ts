/** The webview's model: snapshots and updates from the host, and what they change. */
import * as assert from 'node:assert/strict';
import type { MetricColumns, RunInfo, RunSnapshot } from '../../../src/protocol/dashboardProtocol';
import { MetricTable } from '../../../src/protocol/metricTable';
import { applyHostMessage, emptyModel } from '../../../webview/dashboard/model/dashboardModel';
import { emaSmooth } from '../../../webview/dashboard/model/ema';
import { syntheticRecords } from '../../fixtures/runFixtures';

function columns(from: number, count: number): MetricColumns {
  const t = new MetricTable();
  t.appendRecords(syntheticRecords(count, from, { every: 10, stepsPerEpoch: 100 }));
  return t.slice(0);
}

function info(key: string, name = key): RunInfo {
  return {
    key,
    id: `${key}-id`,
    name,
    status: 'running',
    message: null,
    controllable: true,
    live: true,
    progress: { step: 0, epoch: 0, totalSteps: 1000, stepsPerEpoch: 100, imagesPerSec: null, etaSec: null, elapsedSec: 0 },
    totalEpochs: 10,
    backend: 'wasm',
    backendDetail: null,
    configSummary: '',
    error: null,
    canResume: false,
    createdAt: '',
    metricsWarning: null,
  };
}

const timing = { readMs: 1, sentAt: 0 };

function snapshot(key: string, rows: number): RunSnapshot {
  return { info: info(key), metrics: columns(0, rows), samples: [{ step: 0, epoch: 0, time: 0, uri: 'a' }, { step: 500, epoch: 5, time: 1, uri: 'b' }], realGrid: null };
}

describe('dashboard: webview model', () => {
  it('takes a snapshot, then appends updates and extends derived columns incrementally', () => {
    const model = emptyModel();
    const c = applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 30), compare: [], runs: [], timing });
    assert.ok(c.reset && c.metrics && c.header);
    const main = model.main!;
    assert.equal(main.length, 30);
    const before = main.smoothed('lossD', 0.6).slice();
    const x = main.x('epoch').slice();
    const u = applyHostMessage(model, { type: 'update', runs: [{ key: '/runs/a', append: columns(30, 20) }] });
    assert.ok(u.metrics && !u.header && !u.reset);
    assert.equal(main.length, 50);
    const smooth = main.smoothed('lossD', 0.6);
    const expected = new Float64Array(50);
    emaSmooth(main.column('lossD'), 0.6, expected);
    assert.deepEqual([...smooth], [...expected], 'incremental smoothing equals a full pass');
    assert.deepEqual([...smooth.subarray(0, 30)], [...before]);
    assert.deepEqual([...main.x('epoch').subarray(0, 30)], [...x]);
    assert.equal(main.x('epoch')[49], 4.9);
  });

  it('replaces rows when the file was rewritten, and drops derived columns', () => {
    const model = emptyModel();
    applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 30), compare: [], runs: [], timing });
    model.main!.smoothed('lossG', 0.9);
    applyHostMessage(model, { type: 'update', runs: [{ key: '/runs/a', replace: columns(0, 10) }] });
    assert.equal(model.main!.length, 10);
    assert.equal(model.main!.smoothed('lossG', 0.9).length, 10);
  });

  it('ignores updates of runs it does not show, and says what an info or grid update changes', () => {
    const model = emptyModel();
    assert.deepEqual(applyHostMessage(model, { type: 'update', runs: [{ key: '/x', append: columns(0, 1) }] }).metrics, false);
    applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 3), compare: [snapshot('/runs/b', 4)], runs: [], timing });
    const c = applyHostMessage(model, { type: 'update', runs: [{ key: '/runs/b', info: info('/runs/b', 'renamed'), samples: [] }] });
    assert.ok(c.compare && c.samples && !c.header && !c.metrics);
    assert.equal(model.compare[0].info.name, 'renamed');
    const h = applyHostMessage(model, { type: 'update', runs: [{ key: '/runs/a', info: info('/runs/a', 'main') }] });
    assert.ok(h.header && !h.compare);
  });

  it('keeps the quality evaluations of a snapshot and replaces them on an update that carries them', () => {
    const model = emptyModel();
    applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 3), compare: [], runs: [], timing });
    assert.equal(model.main!.quality.length, 0, 'a snapshot without evaluations');
    const record = { step: 2, epoch: 0, source: 'training' as const, evaluator: 'fmnist-v1', samples: 64, fid: 12, kid: 0.1, kidStd: 0, precision: 0.6, recall: 0.5, coverage: { histogram: [1], entropy: 0, minShare: 1, maxShare: 1, meanConfidence: 1 }, alarm: true, alarmReasons: ['x'], seconds: 1, time: 1 };
    const c = applyHostMessage(model, { type: 'update', runs: [{ key: '/runs/a', quality: [record] }] });
    assert.equal(c.quality, true);
    assert.equal(c.metrics, false);
    assert.deepEqual(model.main!.quality.map((q) => q.fid), [12]);
  });

  it('replaces the compared runs, the run list, and reports an unavailable run', () => {
    const model = emptyModel();
    applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 3), compare: [], runs: [], timing });
    applyHostMessage(model, { type: 'compare', runs: [snapshot('/runs/c', 2), snapshot('/runs/b', 2)] });
    assert.deepEqual(model.compare.map((r) => r.key), ['/runs/c', '/runs/b']);
    applyHostMessage(model, { type: 'runList', runs: [{ key: '/runs/b', id: 'b', name: 'b', status: 'completed', steps: 5 }] });
    assert.equal(model.runs.length, 1);
    assert.ok(applyHostMessage(model, { type: 'unavailable', key: '/runs/a', message: 'gone' }).header);
    assert.equal(model.unavailable, 'gone');
    assert.ok(!applyHostMessage(model, { type: 'unavailable', key: '/other', message: 'x' }).header);
    assert.deepEqual(applyHostMessage(model, { type: 'exported', kind: 'csv', file: null }).exported, { kind: 'csv', file: null });
  });

  it('finds the grid for a step and maps steps to the axis', () => {
    const model = emptyModel();
    applyHostMessage(model, { type: 'snapshot', main: snapshot('/runs/a', 30), compare: [], runs: [], timing });
    const run = model.main!;
    assert.equal(run.sampleAt(null)?.step, 500);
    assert.equal(run.sampleAt(499)?.step, 0);
    assert.equal(run.sampleAt(600)?.step, 500);
    assert.equal(run.nearestSampleIndex(300), 1);
    assert.equal(run.stepToX('epoch', 250), 2.5);
    assert.equal(run.xToStep('step', 12.4), 12);
    const t = run.stepToX('wall', 15)!;
    assert.ok(t > run.x('wall')[1] && t < run.x('wall')[2]);
  });
});
