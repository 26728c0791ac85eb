/** Rename, delete and resume act only on real run folders inside the runs root (no following symlinks out). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDirProblem } from '../../../src/common/runPaths';
import { tempDir } from '../helpers';

describe('run folders that may be changed', () => {
  it('accepts a real folder in the runs root and refuses links, files, and folders elsewhere', () => {
    const root = tempDir();
    const outside = tempDir();
    fs.mkdirSync(path.join(root, 'run-a'));
    fs.symlinkSync(outside, path.join(root, 'link-out'));
    fs.writeFileSync(path.join(root, 'file'), '');
    assert.equal(runDirProblem(root, path.join(root, 'run-a')), undefined);
    assert.match(runDirProblem(root, path.join(root, 'link-out'))!, /is a symbolic link/);
    assert.match(runDirProblem(root, path.join(root, 'file'))!, /is not a folder/);
    assert.match(runDirProblem(root, outside)!, /is not inside the runs root/);
    assert.match(runDirProblem(root, path.join(root, 'run-a', '..', '..'))!, /not inside the runs root/);
    assert.match(runDirProblem(root, path.join(root, 'missing'))!, /does not exist/);
  });

  it('a runs root that is itself a link still works for the folders inside it', () => {
    const real = tempDir();
    fs.mkdirSync(path.join(real, 'run-a'));
    const link = path.join(tempDir(), 'runs');
    fs.symlinkSync(real, link);
    assert.equal(runDirProblem(link, path.join(link, 'run-a')), undefined);
  });
});
