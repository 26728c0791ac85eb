/**
 * `gan-studio sweep` as a user runs it (the built bin, real trainer processes on a tiny synthetic
 * data set): the plan, every member a run folder with run.json's "sweep", sweep.json completed;
 * and the usage errors.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSweep } from '../../../src/common/sweepFiles';
import { listRunDirs, readRun } from '../../../src/common/runReader';
import { REPO_ROOT, tempDir, writeImagesFixture } from '../helpers';

const GAN_STUDIO = path.join(REPO_ROOT, 'bin', 'gan-studio.js');

function sweep(args: string[], cwd: string) {
  for (const file of ['cli.js', 'gan-studio.js']) assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', file)), `dist/${file} is missing: run \`npm run build\` first`);
  return spawnSync(process.execPath, [GAN_STUDIO, 'sweep', ...args], { cwd, encoding: 'utf8', timeout: 300000, env: { ...process.env, GAN_STUDIO_RUNS_ROOT: '' } });
}

describe('gan-studio sweep', () => {
  let dir: string;
  before(() => {
    dir = tempDir('gan-studio-sweep-cli-');
    fs.mkdirSync(path.join(dir, 'data'));
    writeImagesFixture(path.join(dir, 'data'), 64);
    fs.writeFileSync(path.join(dir, 'lr.gan.json'), JSON.stringify({ preset: 'smoke', maxSteps: 2, sampleEvery: 2, sweep: { learningRate: [0.0001, 0.0002] } }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the plan with --dry-run and writes nothing', () => {
    const r = sweep(['lr.gan.json', '--dry-run', '--root', 'runs'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /2 runs over learningRate, 1 at a time:\n\s+1\s+lr lr=0.0001\n\s+2\s+lr lr=0.0002/);
    assert.ok(!fs.existsSync(path.join(dir, 'runs')));
  });

  it('trains every member into a run folder that names the sweep, and completes sweep.json', () => {
    const r = sweep(['lr.gan.json', '--root', 'runs', '--data', 'data', '--offline'], dir);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const root = path.join(dir, 'runs');
    const [id] = fs.readdirSync(path.join(root, 'sweeps'));
    const manifest = readSweep(root, id);
    assert.equal(manifest.state, 'completed');
    assert.equal(manifest.owner, null);
    assert.deepEqual(manifest.members.map((m) => m.status), ['completed', 'completed']);
    const runs = listRunDirs(root).map((d) => readRun(d)).map((x) => (x.ok ? x.manifest : assert.fail(x.error)));
    assert.equal(runs.length, 2);
    for (const m of manifest.members) {
      const run = runs.find((x) => x.id === m.runId)!;
      assert.equal(run.status, 'completed');
      assert.deepEqual(run.sweep, { id, index: m.index, count: 2, values: m.values });
      assert.equal(run.config.learningRate, m.values.learningRate);
    }
  });

  it('refuses a file without a valid sweep, and a bad --parallel, with usage exit codes', () => {
    fs.writeFileSync(path.join(dir, 'bad.gan.json'), JSON.stringify({ sweep: { learningRate: [] } }));
    const bad = sweep(['bad.gan.json', '--root', 'runs'], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"sweep.learningRate" is an empty list/);
    assert.equal(sweep(['lr.gan.json', '--parallel', '0'], dir).status, 2);
    const missing = sweep(['--resume', 'nope', '--root', 'runs'], dir);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /There is no sweep "nope"/);
  });

  it('gan-studio-train refuses a sweep file and points to gan-studio sweep', () => {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--config', 'lr.gan.json', '--out', 'runs-x'], { cwd: dir, encoding: 'utf8', timeout: 60000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /holds a "sweep" of experiments; train it with `gan-studio sweep lr.gan.json`/);
    assert.ok(!fs.existsSync(path.join(dir, 'runs-x')));
  });
});
