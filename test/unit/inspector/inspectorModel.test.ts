/** Where a grid file belongs and what the inspector shows of a run, from run folders on disk. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectorRun, isGridFile, locateGrid, runChoices } from '../../../src/extension/inspector/inspectorModel';
import { RunStore } from '../../../src/extension/runs/runStore';
import { fixtureManifest, writeFixtureRun } from '../../fixtures/runFixtures';
import { tempDir } from '../helpers';

function touch(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'png');
}

describe('grid inspector model', () => {
  it('locates generated and real grids in a run’s samples folder, and grids outside any run', () => {
    const root = tempDir();
    const run = writeFixtureRun(root, fixtureManifest({ id: 'run-a' }));
    assert.deepEqual(locateGrid(path.join(run, 'samples', 'step-000500.grid.png')), { file: path.join(run, 'samples', 'step-000500.grid.png'), runDir: run, kind: 'generated', step: 500 });
    assert.deepEqual(locateGrid(path.join(run, 'samples', 'real.grid.png')).kind, 'real');
    const loose = path.join(root, 'copied', 'step-000500.grid.png');
    assert.deepEqual(locateGrid(loose), { file: loose, runDir: null, kind: 'generated', step: 500 }, 'the step still comes from the name');
    assert.deepEqual(locateGrid(path.join(root, 'samples', 'real.grid.png')), { file: path.join(root, 'samples', 'real.grid.png'), runDir: null, kind: 'other', step: null }, 'a samples folder without run.json is not a run');
    assert.equal(locateGrid(path.join(run, 'samples', 'mine.grid.png')).kind, 'other');
    assert.ok(isGridFile('x/step-000001.grid.png'));
    assert.ok(!isGridFile('x/photo.png'));
  });

  it('lists a run’s grids in step order with their epochs, skipping listed files that are gone', () => {
    const root = tempDir();
    const manifest = fixtureManifest({
      id: 'run-b',
      samples: [
        { step: 500, epoch: 1, file: 'samples/step-000500.grid.png', time: '' },
        { step: 0, epoch: 0, file: 'samples/step-000000.grid.png', time: '' },
        { step: 900, epoch: 1, file: 'samples/step-000900.grid.png', time: '' },
      ],
    });
    const dir = writeFixtureRun(root, manifest);
    for (const f of ['samples/step-000000.grid.png', 'samples/step-000500.grid.png', 'samples/real.grid.png']) touch(path.join(dir, f));
    const store = new RunStore(root, false);
    const run = inspectorRun(store.get(dir)!, (file) => `src:${path.relative(dir, file)}`)!;
    assert.deepEqual(run.grids.map((g) => [g.step, g.epoch, g.src]), [
      [0, 0, 'src:samples/step-000000.grid.png'],
      [500, 500 / 469, 'src:samples/step-000500.grid.png'],
    ]);
    assert.ok(Math.abs(run.grids[1].epoch - 1.066) < 1e-3, 'epochs completed: step / steps per epoch');
    assert.deepEqual(run.real, { file: 'samples/real.grid.png', src: 'src:samples/real.grid.png' });
    assert.deepEqual([run.name, run.status, run.sampleCount, run.imageSize, run.realCount], ['reference', 'completed', 64, 32, 64]);
    store.dispose();
  });

  it('offers the other runs with grids for comparison, newest first', () => {
    const root = tempDir();
    const a = writeFixtureRun(root, fixtureManifest({ id: 'a', name: 'first', createdAt: '2026-11-26T10:00:00.000Z' }));
    writeFixtureRun(root, fixtureManifest({ id: 'b', name: 'second', createdAt: '2026-11-26T11:00:00.000Z' }));
    writeFixtureRun(root, fixtureManifest({ id: 'c', name: 'no grids yet', samples: [] }));
    const store = new RunStore(root, false);
    const choices = runChoices(store.list(), a);
    assert.deepEqual(choices.map((c) => c.name), ['second']);
    assert.equal(choices[0].description, '2 grids up to step 500 · b');
    store.dispose();
  });
});
