import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunNotes, writeRunNotes } from '../../../src/common/runNotesFile';
import { normaliseTags, parseRunNotes } from '../../../src/protocol/runNotes';
import { QUALITY_SUMMARY_FILE } from '../../../src/protocol/qualityFormat';
import { parseTableWebviewMessage } from '../../../src/protocol/runsTableProtocol';
import { RunStore } from '../../../src/extension/runs/runStore';
import { runRow } from '../../../src/extension/runsTable/runRows';
import { fixtureManifest, writeFixtureRun } from '../../fixtures/runFixtures';
import { tempDir } from '../helpers';

describe('runs table: tags and notes in notes.json', () => {
  it('normalises tags and reads a malformed file as empty', () => {
    assert.deepEqual(normaliseTags('Baseline, lr sweep,  baseline,,'), ['baseline', 'lr-sweep']);
    assert.deepEqual(parseRunNotes({ tags: ['A', 3, 'a'], note: 7 }), { tags: ['a'], note: '' });
    assert.deepEqual(parseRunNotes('nonsense'), { tags: [], note: '' });
  });

  it('writes one field keeping the other, leaves no temporary file, and the row shows them', () => {
    const root = tempDir();
    const dir = writeFixtureRun(root, fixtureManifest({ id: 'run-a' }));
    assert.deepEqual(readRunNotes(dir), { tags: [], note: '' });
    writeRunNotes(dir, { tags: ['Best run'] });
    writeRunNotes(dir, { note: 'keep' });
    assert.deepEqual(readRunNotes(dir), { tags: ['best-run'], note: 'keep' });
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('.')), [], 'atomic: no temporary file left');
    const store = new RunStore(root, false);
    const row = runRow(store.get(dir)!);
    assert.deepEqual([row.tags, row.note, row.status, row.results.lossD, row.config.learningRate], [['best-run'], 'keep', 'completed', 0.5234, 0.0002]);
    store.dispose();
    assert.ok(fs.existsSync(path.join(dir, 'notes.json')));
  });

  it('shows the quality figures of an evaluated run: best FID, final coverage and recall', () => {
    const root = tempDir();
    const dir = writeFixtureRun(root, fixtureManifest({ id: 'run-q' }));
    const store = new RunStore(root, false);
    assert.deepEqual([runRow(store.get(dir)!).results.bestFid, runRow(store.get(dir)!).results.coverage], [null, null], 'not evaluated: empty cells');
    store.dispose();
    const file = path.join(dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), quality: { bestFid: 42.5, bestFidStep: 500, alarm: false } }));
    const latest = { fid: 50.1, recall: 0.31, coverage: { entropy: 0.97 } };
    fs.writeFileSync(path.join(dir, QUALITY_SUMMARY_FILE), JSON.stringify({ evaluations: 2, best: { fid: 42.5, step: 500 }, latest, alarm: null }));
    const again = new RunStore(root, false);
    const row = runRow(again.get(dir)!);
    assert.deepEqual([row.results.bestFid, row.results.coverage, row.results.recall], [42.5, 0.97, 0.31]);
    again.dispose();
  });

  it('accepts only messages it knows', () => {
    assert.deepEqual(parseTableWebviewMessage({ type: 'setNotes', key: '/r', notes: { tags: ['a'] } }), { type: 'setNotes', key: '/r', notes: { tags: ['a'] } });
    assert.equal(parseTableWebviewMessage({ type: 'setNotes', key: '/r', notes: { tags: 'a' } }), undefined);
    assert.equal(parseTableWebviewMessage({ type: 'openCompare', keys: [] }), undefined);
    assert.equal(parseTableWebviewMessage({ type: 'launch' }), undefined);
  });
});
