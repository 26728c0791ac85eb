/** What the Runs tree shows for a sweep: progress from its runs, status, best FID, menus. */
import * as assert from 'node:assert/strict';
import type { RunSummary } from '../../../src/extension/runs/runStore';
import { bestFid, completedCount, membersBySweep, pendingMemberView, SweepFacts, sweepStatus, sweepView } from '../../../src/extension/sweeps/sweepTreeModel';
import { newSweepManifest, planSweep } from '../../../src/protocol/sweepFormat';
import { fixtureManifest } from '../../fixtures/runFixtures';

function facts(statuses: ('completed' | 'running' | 'stopped')[], extra: Partial<SweepFacts> = {}, fids: (number | undefined)[] = []): SweepFacts {
  const { plan } = planSweep({ preset: 'quick', name: 'lr', sweep: { learningRate: [0.0001, 0.0002, 0.0004] } });
  const manifest = newSweepManifest('20261130-120000-lr', plan!, null);
  const runs = new Map<number, RunSummary>();
  statuses.forEach((status, index) => {
    const m = fixtureManifest({ status, id: `run-${index}`, sweep: { id: manifest.id, index, count: 3, values: manifest.members[index].values } });
    if (fids[index] !== undefined) m.quality = { bestFid: fids[index]!, bestFidStep: 300, alarm: false };
    runs.set(index, { dir: `/runs/run-${index}`, id: m.id, manifest: m, interrupted: false, sortKey: m.createdAt });
  });
  return { manifest, runs, active: false, elsewhere: false, ...extra };
}

describe('the Runs tree: sweeps', () => {
  it('counts completed members from their runs and shows the best FID of the members', () => {
    const f = facts(['completed', 'completed', 'running'], { active: true }, [120.4, 83.16]);
    assert.equal(completedCount(f), 2);
    assert.deepEqual(bestFid(f), { fid: 83.16, index: 1 });
    const view = sweepView(f);
    assert.equal(view.label, 'lr');
    assert.equal(view.description, 'sweep 2/3 · running · best FID 83.2');
    assert.equal(view.contextValue, 'sweep-running', 'the menu offers Stop Sweep');
    assert.match(view.tooltip!, /3 runs over `learningRate`/);
    assert.match(view.tooltip!, /\| 2 \| lr=0\.0002 \| completed \| 83\.2 \|/);
    assert.equal(view.collapsible, true);
  });

  it('says interrupted when sweep.json says running but nobody drives it, and offers resume', () => {
    const f = facts(['completed', 'stopped']);
    f.manifest.state = 'running';
    assert.equal(sweepStatus(f), 'interrupted');
    assert.equal(sweepView(f).contextValue, 'sweep-resumable');
    assert.equal(sweepView(f).description, 'sweep 1/3 · interrupted');
    assert.equal(sweepStatus({ ...f, elsewhere: true }), 'running-elsewhere');
    assert.equal(sweepView({ ...f, elsewhere: true }).contextValue, 'sweep-elsewhere', 'no Stop from another window');
    f.manifest.state = 'completed';
    assert.equal(sweepView(f).contextValue, 'sweep-completed');
  });

  it('finds the members of each sweep from run.json, and shows a member without a run as pending', () => {
    const f = facts(['completed']);
    const other: RunSummary = { dir: '/runs/x', id: 'x', manifest: fixtureManifest(), interrupted: false, sortKey: '' };
    const by = membersBySweep([...f.runs.values(), other]);
    assert.deepEqual([...by.keys()], [f.manifest.id]);
    assert.deepEqual([...by.get(f.manifest.id)!.keys()], [0]);
    const pending = pendingMemberView(f.manifest, 2);
    assert.equal(pending.label, 'lr=0.0004');
    assert.equal(pending.description, 'pending');
  });
});
