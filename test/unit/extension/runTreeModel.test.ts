/** What the Runs tree shows for fixture runs: labels, descriptions, icons, menus' context values. */
import * as assert from 'node:assert/strict';
import { checkpointViews, differingConfigKeys, displayStatus, runChildren, runView, sampleViews } from '../../../src/extension/runs/runTreeModel';
import type { RunSummary } from '../../../src/extension/runs/runStore';
import { fixtureManifest } from '../../fixtures/runFixtures';

function summary(overrides: Parameters<typeof fixtureManifest>[0] = {}, extra: Partial<RunSummary> = {}): RunSummary {
  const manifest = fixtureManifest(overrides);
  return { dir: `/runs/${manifest.id}`, id: manifest.id, manifest, interrupted: false, sortKey: manifest.createdAt, ...extra };
}

describe('the Runs tree model', () => {
  it('describes a stopped run with epochs and last losses, and offers resume (it has checkpoints)', () => {
    const view = runView(summary({ status: 'stopped' }));
    assert.equal(view.label, 'reference');
    assert.equal(view.description, '2/20 epochs · D 0.523 · G 2.310');
    assert.equal(view.icon.id, 'stop-circle', 'a stop sign, not a square that reads as an unchecked checkbox');
    assert.match(view.tooltip!, /^\$\(stop-circle\) \*\*Stopped\*\* — reference/);
    assert.equal(view.contextValue, 'run:stopped:ckpt:samples');
    assert.match(view.tooltip!, /\| batch size \| 128 \|/);
    assert.match(view.tooltip!, /wasm: tfjs\\-backend\\-wasm 4\\.22\\.0/);
    assert.doesNotMatch(view.tooltip!, /stabilisers/, 'nothing for the lesson\'s loss');
    const tuned = runView(summary({ status: 'stopped', config: { ...fixtureManifest().config, loss: 'lsgan', labelSmoothing: 0.1, spectralNorm: true } }));
    assert.match(tuned.tooltip!, /\| loss · stabilisers \| lsgan loss · label smoothing 0\\\.1 · spectral norm \|/);
  });

  it("shows a run's best FID, and a warning sign when the mode-collapse alarm was raised", () => {
    const view = runView(summary({ status: 'completed', quality: { bestFid: 23.456, bestFidStep: 699, alarm: false } }));
    assert.equal(view.description, '2/20 epochs · D 0.523 · G 2.310 · FID 23.5');
    assert.match(view.tooltip!, /best FID-FMNIST \| 23\.46 \(step 699; not comparable with Inception-FID\)/);
    const alarmed = runView(summary({ status: 'completed', quality: { bestFid: 140.2, bestFidStep: 100, alarm: true } }));
    assert.match(alarmed.description!, /FID 140 ⚠$/);
    assert.match(alarmed.tooltip!, /mode-collapse warning/);
  });

  it('shows live progress and ETA for a running run, and paused when paused', () => {
    const running = summary({ status: 'running', progress: { ...fixtureManifest().progress, step: 1234, etaSec: 754 } });
    assert.equal(runView(running, { paused: false }).description, 'step 1234/9380 · ETA 12m 34s · D 0.523 · G 2.310');
    const estimating = summary({ status: 'running', progress: { ...fixtureManifest().progress, step: 1, etaSec: null } });
    assert.match(runView(estimating, { paused: false }).description!, /ETA estimating…/);
    assert.equal(runView(running, { paused: false }).icon.id, 'sync~spin');
    const paused = runView(running, { paused: true });
    assert.equal(paused.icon.id, 'debug-pause');
    assert.match(paused.description!, /^paused · step 1234\/9380/);
    assert.equal(paused.contextValue, 'run:paused:ckpt:samples');
  });

  it('among many runs, says what differs, the tags and the age (not "quick 0.7/1 epochs" on every row)', () => {
    const a = summary({ status: 'completed', config: { ...fixtureManifest().config, learningRate: 0.0001, seed: 3 } });
    const b = summary({ status: 'completed' });
    const differing = differingConfigKeys([a, b, summary({ status: 'stopped' })]);
    assert.deepEqual(differing, ['seed', 'learningRate']);
    const now = Date.parse('2026-11-26T13:00:00.000Z');
    const view = runView({ ...a, notes: { tags: ['baseline'], note: 'first try' } }, undefined, { differing, now });
    assert.equal(view.description, 'seed 3 · lr 0.0001 · D 0.523 · G 2.310 · #baseline · 3h ago');
    assert.match(view.tooltip!, /\| tags \| baseline \|/);
    const stopped = runView(summary({ status: 'stopped' }), undefined, { differing, now });
    assert.equal(stopped.description, 'seed 42 · lr 0.0002 · 2/20 epochs · D 0.523 · G 2.310 · 3h ago', 'unfinished runs keep their progress');
  });

  it('shows a run whose trainer died as interrupted, resumable', () => {
    const run = summary({ status: 'running' }, { interrupted: true });
    assert.equal(displayStatus(run), 'interrupted');
    assert.match(runView(run).description!, /^interrupted at 2\/20 epochs/);
    assert.match(runView(run).tooltip!, /Resume the run from its last checkpoint/);
    assert.equal(runView(run).icon.id, 'debug-disconnect');
    assert.match(runView(run).tooltip!, /\*\*Interrupted\*\*/);
  });

  it('says that an interrupted run without a checkpoint starts again from step 0, and shows saturation warnings', () => {
    const early = summary({ status: 'running', checkpoints: [] }, { interrupted: true });
    assert.match(runView(early).tooltip!, /starts the run again from step 0/);
    const saturated = summary({ status: 'completed', warnings: [{ kind: 'saturated', step: 40, message: 'Training looks saturated since step 40' }] });
    assert.match(runView(saturated).tooltip!, /\*\*Warning:\*\* Training looks saturated since step 40/);
  });

  it('shows a failed run with its error and hint as a child', () => {
    const run = summary({ status: 'failed', error: { message: 'Cannot write run.json: ENOSPC', hint: 'The disk is full.' } });
    assert.equal(runView(run).icon.id, 'error');
    const [error, checkpoints, samples] = runChildren(run);
    assert.deepEqual([error.kind, error.label, error.description], ['error', 'Cannot write run.json: ENOSPC', 'The disk is full.']);
    assert.deepEqual([checkpoints.label, checkpoints.description, samples.label, samples.description], ['Checkpoints', '2', 'Sample grids', '2']);
  });

  it('lists a damaged run without children', () => {
    const view = runView({ dir: '/runs/x', id: 'x', loadError: '/runs/x/run.json is damaged', interrupted: false, sortKey: '' });
    assert.equal(view.description, 'unreadable run.json');
    assert.equal(view.collapsible, false);
    assert.equal(view.contextValue, 'run:damaged');
  });

  it('lists checkpoints newest first with epoch, step, time and a non-epoch reason', () => {
    const views = checkpointViews(fixtureManifest(), (iso) => iso.slice(11, 16));
    assert.deepEqual(views.map((v) => [v.label, v.description, v.target]), [
      ['Step 938 · epoch 2', '11:00 · stop', 'step-000938'],
      ['Step 469 · epoch 1', '10:29', 'step-000469'],
    ]);
  });

  it('lists sample grids by step, newest first, then the real images', () => {
    assert.deepEqual(sampleViews(fixtureManifest()).map((v) => [v.label, v.description, v.target]), [
      ['Step 500', 'epoch 1.07', 'samples/step-000500.grid.png'],
      ['Step 0', 'epoch 0', 'samples/step-000000.grid.png'],
      ['Training images', 'real', 'samples/real.grid.png'],
    ]);
  });
});
