import * as assert from 'node:assert/strict';
import { presetConfig, stepsPerEpoch, totalSteps } from '../../../src/protocol/experimentConfig';
import { parseMetricsLines, parseRunManifest } from '../../../src/protocol/runFormat';
import { epochsAt, formatEpochProgress, formatEpochs, formatEta, formatStepEpoch, isLogStep, isSampleStep } from '../../../src/protocol/steps';
import { EtaEstimator } from '../../../src/trainer/train/eta';
import { fixtureManifest } from '../../fixtures/runFixtures';

const QUICK_PER_EPOCH = stepsPerEpoch(presetConfig('quick'), 60000);

describe('steps and epochs (one definition)', () => {
  it('counts epochs as steps completed over steps per epoch, for the header, tree and grids alike', () => {
    assert.equal(QUICK_PER_EPOCH, 938);
    assert.equal(totalSteps(presetConfig('quick'), 60000), 700);
    // The quick preset: "0.75 / 0.75" when complete, not "1 / 1" while training and "0.7 / 1" after.
    assert.equal(formatEpochProgress(700, 700, QUICK_PER_EPOCH), '0.75 / 0.75');
    assert.equal(formatEpochProgress(100, 700, QUICK_PER_EPOCH), '0.11 / 0.75');
    assert.equal(formatEpochProgress(0, 9380, 469), '0 / 20');
    assert.equal(formatStepEpoch(938, 469), 'step 938 · epoch 2');
    assert.equal(formatStepEpoch(752, QUICK_PER_EPOCH), 'step 752 · epoch 0.8');
    assert.equal(epochsAt(469, 469), 1);
    assert.equal(formatEpochs(1.499), '1.5');
    assert.equal(formatEpochs(Number.NaN), '–');
  });

  it('puts grids of the same schedule at the same steps, whatever the run length', () => {
    const grids = (total: number) => Array.from({ length: total + 1 }, (_, s) => s).filter((s) => isSampleStep(s, 100, total));
    assert.deepEqual(grids(700), [0, 100, 200, 300, 400, 500, 600, 700]);
    assert.deepEqual(grids(750).slice(-3), [600, 700, 750]);
    assert.deepEqual(grids(700).slice(0, 6), grids(1000).slice(0, 6), 'A/B compares the same steps');
  });

  it('logs metrics after step 1, every logEvery steps and at the last step', () => {
    const logged = Array.from({ length: 9 }, (_, s) => s).filter((s) => s > 0 && isLogStep(s, 3, 8));
    assert.deepEqual(logged, [1, 3, 6, 8]);
  });

  it('says "estimating…" until there is an ETA', () => {
    assert.equal(formatEta(null, (s) => `${s}s`), 'estimating…');
    assert.equal(formatEta(90, (s) => `${s}s`), '90s');
  });
});

describe('runs written before steps counted iterations completed', () => {
  it('still open: grid and record steps of an old run are read as iterations completed', () => {
    const old = fixtureManifest({
      samples: [
        { step: 0, epoch: 0, file: 'samples/step-000000.grid.png', time: '2026-11-26T10:00:01.000Z' },
        { step: 699, epoch: 0, file: 'samples/step-000699.grid.png', time: '2026-11-26T10:30:00.000Z' },
      ],
      lastMetrics: { step: 699, lossD: 1, lossG: 2, dReal: 0.5, dFake: 0.5 },
    }) as unknown as Record<string, unknown>;
    delete old.stepCount;
    const read = parseRunManifest(JSON.parse(JSON.stringify(old)));
    assert.deepEqual(read.samples.map((s) => [s.step, s.file]), [[1, 'samples/step-000000.grid.png'], [700, 'samples/step-000699.grid.png']]);
    assert.equal(read.lastMetrics?.step, 700);
    assert.equal(read.stepCount, 'completed');
    const again = parseRunManifest(JSON.parse(JSON.stringify(read)));
    assert.deepEqual(again.samples.map((s) => s.step), [1, 700], 'a converted manifest is not converted twice');
  });

  it('reads old metrics records (no "iteration") as iterations completed, new ones as written', () => {
    const text = [
      JSON.stringify({ step: 0, epoch: 0, batch: 0, lossD: 1, lossG: 2 }),
      JSON.stringify({ step: 20, iteration: 19, epoch: 0, batch: 19, lossD: 1, lossG: 2 }),
    ].join('\n');
    const { records } = parseMetricsLines(text);
    assert.deepEqual(records.map((r) => [r.step, r.iteration]), [[1, 0], [20, 19]]);
  });
});

describe('the ETA estimator', () => {
  it('does not time the first step of a session and waits for a few timed steps', () => {
    const eta = new EtaEstimator(4, 3);
    eta.addStep(60); // warm-up: kernels compile
    eta.addStep(0.3);
    eta.addStep(0.3);
    assert.equal(eta.etaSec(100), null, 'estimating');
    eta.addStep(0.3);
    assert.ok(Math.abs(eta.etaSec(100)! - 30) < 1e-9, 'the warm-up step is not in the estimate');
  });

  it('follows a change of speed within its window', () => {
    const eta = new EtaEstimator(4, 2);
    eta.addStep(1);
    for (let i = 0; i < 10; i++) eta.addStep(1);
    for (let i = 0; i < 4; i++) eta.addStep(0.5);
    assert.equal(eta.secondsPerStep, 0.5);
    eta.restart();
    eta.addStep(100);
    assert.equal(eta.secondsPerStep, 0.5, 'the first step after a restart is skipped');
  });
});
