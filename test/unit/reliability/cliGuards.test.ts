/** gan-studio-train refuses bad input before any data loads, with exit code 2 and a message naming the problem. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCli, UsageError } from '../../../src/trainer/cli';
import { REPO_ROOT, tempDir } from '../helpers';
import { HOSTILE_EXPERIMENTS } from './hostileInputs';

const BIN = path.join(REPO_ROOT, 'bin', 'gan-studio-train.js');

function cli(args: string[]) {
  assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
  return spawnSync(process.execPath, [BIN, ...args], { cwd: tempDir(), encoding: 'utf8', timeout: 120000 });
}


describe('gan-studio-train guards (exit 2 before any data loads)', () => {
  for (const [what, text, message] of HOSTILE_EXPERIMENTS) {
    it(`refuses an experiment file holding ${what}`, () => {
      const file = path.join(tempDir(), 'exp.gan.json');
      fs.writeFileSync(file, text);
      assert.throws(() => parseCli(['--config', file, '--out', tempDir()]), (e: unknown) => e instanceof UsageError && message.test(e.message) && e.message.includes(file));
    });
  }

  it('refuses a --data folder that does not exist (no other copy is used silently)', () => {
    const missing = path.join(tempDir(), 'nope');
    const result = cli(['--preset', 'smoke', '--data', missing, '--out', tempDir()]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`--data: ${missing} is not a folder`));
  });

  it('refuses an --out that is a file, and a --resume target that is not a run', () => {
    const file = path.join(tempDir(), 'file');
    fs.writeFileSync(file, '');
    assert.throws(() => parseCli(['--out', path.join(file, 'runs')]), /--out: .*file is a file, not a folder/);
    const result = cli(['--resume', tempDir()]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /is not a run folder \(no run\.json\)/);
  });

  it('exits 2 for a damaged run folder or a run another trainer owns, and touches neither', () => {
    const damaged = tempDir();
    fs.writeFileSync(path.join(damaged, 'run.json'), '{"formatVersion": 1, "id": "../x"}');
    const r1 = cli(['--resume', damaged]);
    assert.equal(r1.status, 2, r1.stderr);
    assert.match(r1.stderr, /run\.json is damaged: .*"id" should be a plain name/);

    const owned = tempDir();
    const manifest = { formatVersion: 1, id: 'owned', name: 'owned', status: 'stopped', config: { preset: 'smoke' }, progress: { step: 0, epoch: 0, totalSteps: 8, stepsPerEpoch: 4, elapsedSec: 0 }, samples: [], checkpoints: [], createdAt: 'now' };
    fs.writeFileSync(path.join(owned, 'run.json'), JSON.stringify(manifest));
    // This test process plays the live trainer that owns the run.
    fs.writeFileSync(path.join(owned, 'trainer.lock'), JSON.stringify({ pid: process.pid, hostname: require('node:os').hostname(), processStart: null, since: 'now' }));
    const before = fs.readFileSync(path.join(owned, 'run.json'), 'utf8');
    const r2 = cli(['--resume', owned]);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, new RegExp(`being trained by process ${process.pid}`));
    assert.equal(fs.readFileSync(path.join(owned, 'run.json'), 'utf8'), before);
  });
});
