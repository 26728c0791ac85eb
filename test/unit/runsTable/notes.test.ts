import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRunNotes, writeRunNotes } from '../../../src/common/runNotesFile';
import { normaliseTags, parseRunNotes } from '../../../src/protocol/runNotes';
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

  it('accepts only messages it knows', () => {
    assert.deepEqual(parseTableWebviewMessage({ type: 'setNotes', key: '/r', notes: { tags: ['a'] } }), { type: 'setNotes', key: '/r', notes: { tags: ['a'] } });
    assert.equal(parseTableWebviewMessage({ type: 'setNotes', key: '/r', notes: { tags: 'a' } }), undefined);
    assert.equal(parseTableWebviewMessage({ type: 'openCompare', keys: [] }), undefined);
    assert.equal(parseTableWebviewMessage({ type: 'launch' }), undefined);
  });
});
