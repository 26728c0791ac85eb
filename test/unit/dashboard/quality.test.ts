import * as assert from 'node:assert/strict';
import type { QualityRecord } from '../../../src/protocol/qualityFormat';
import { alignQuality, byStep, cellAlpha, qualityHeadline } from '../../../webview/dashboard/model/quality';

function rec(step: number, fid: number, extra: Partial<QualityRecord> = {}): QualityRecord {
  return {
    step, epoch: 0, source: 'training', evaluator: 'fmnist-v1', samples: 1000, fid, kid: fid / 1000, kidStd: 0, precision: 0.5, recall: 0.4,
    coverage: { histogram: new Array(10).fill(0.1), entropy: 1, minShare: 0.1, maxShare: 0.1, meanConfidence: 0.9 },
    alarm: false, alarmReasons: [], seconds: 1, time: step, ...extra,
  };
}

describe('the dashboard quality model', () => {
  it('aligns runs evaluated at different steps on one axis, with gaps, and keeps the later of two evaluations at a step', () => {
    const a = [rec(300, 50), rec(100, 90), rec(200, 70)];
    const b = [rec(200, 60), rec(400, 40, { alarm: true }), rec(400, 45, { source: 'checkpoint', time: 1e9 })];
    assert.deepEqual(byStep(b).map((r) => r.fid), [60, 45]);
    const aligned = alignQuality([a, b]);
    assert.deepEqual(aligned.x, [100, 200, 300, 400]);
    assert.deepEqual(aligned.runs[0].fid, [90, 70, 50, null]);
    assert.deepEqual(aligned.runs[1].fid, [null, 60, null, 45]);
    assert.deepEqual(aligned.alarms[1], [false, false, false, false], 'the checkpoint evaluation replaced the alarmed one');
    assert.deepEqual(qualityHeadline(a)?.best.step, 300);
    assert.equal(qualityHeadline([]), undefined);
  });

  it('shades coverage cells by share: empty class 0, uniform share half, twice uniform full', () => {
    assert.equal(cellAlpha(0, 10), 0);
    assert.equal(cellAlpha(0.1, 10), 0.5);
    assert.equal(cellAlpha(0.5, 10), 1);
  });
});
