/** The gan-studio-train command as a user runs it: the built bin, a real process, real data. */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCheckpointManifest, parseMetricsLines, parseRunManifest } from '../../../src/protocol/runFormat';
import { decodeGrayPng } from '../../../src/trainer/image/png';
import { realDataDir, REPO_ROOT, tempDir } from '../helpers';

const BIN = path.join(REPO_ROOT, 'bin', 'gan-studio-train.js');

function cli(args: string[], cwd = REPO_ROOT) {
  assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 300000 });
}

describe('gan-studio-train (CLI)', () => {
  it('trains the smoke preset into a complete run folder that matches docs/run-format.md', () => {
    const out = tempDir();
    const result = cli(['--preset', 'smoke', '--out', out, '--data', realDataDir()]);
    assert.equal(result.status, 0, result.stderr);
    const runDir = /Run folder: (.+)$/m.exec(result.stdout.trim().split('\n').pop()!)![1];
    assert.equal(path.dirname(runDir), out);
    assert.match(result.stdout, /^ep 0; batch 0\/4\t Loss D: [\d.]+\tLoss G: [\d.]+/m, 'progress lines like the seed');

    const manifest = parseRunManifest(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')));
    assert.equal(manifest.status, 'completed');
    assert.equal(manifest.progress.step, 8);
    assert.equal(manifest.backend?.name, 'wasm');
    assert.deepEqual(manifest.backend?.skipped.map((s) => s.name), ['tensorflow-gpu', 'webgpu', 'tensorflow']);
    // No hardware GPU here: no adapter at all, or only a software one (SwiftShader).
    assert.match(manifest.backend?.skipped[1].reason ?? '', /no GPU adapter|software renderer/);
    assert.ok(manifest.endedAt && manifest.pid === null);

    const { records, badLines } = parseMetricsLines(fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8'));
    assert.deepEqual(badLines, []);
    assert.deepEqual(records.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8], 'losses are recorded every step; steps count iterations completed');
    const printed = [...result.stdout.matchAll(/^ep (\d+); batch (\d+)\/4\t/gm)].map((m) => Number(m[1]) * 4 + Number(m[2]));
    assert.deepEqual(printed, [0, 1, 3, 5, 7], 'progress lines after step 1, every logEvery steps and the last (by the iteration they follow)');

    assert.deepEqual(manifest.samples.map((s) => s.file), ['samples/step-000000.grid.png', 'samples/step-000004.grid.png', 'samples/step-000008.grid.png']);
    for (const file of ['samples/real.grid.png', ...manifest.samples.map((s) => s.file)]) {
      const png = decodeGrayPng(fs.readFileSync(path.join(runDir, file)));
      assert.deepEqual([png.width, png.height], [274, 274], `${file} is an 8x8 grid of 32x32 images with padding 2`);
      assert.equal(png.pixels[0], 0, 'padding is black');
    }
    assert.ok(manifest.checkpoints.length >= 1);
    for (const c of manifest.checkpoints) {
      const dir = path.join(runDir, 'checkpoints', c.id);
      const ckpt = parseCheckpointManifest(JSON.parse(fs.readFileSync(path.join(dir, 'checkpoint.json'), 'utf8')));
      const size = fs.statSync(path.join(dir, 'tensors.bin')).size;
      assert.equal(size, ckpt.tensors.reduce((sum, t) => sum + t.length, 0));
    }
    assert.ok(fs.readFileSync(path.join(runDir, 'trainer.log'), 'utf8').includes('Completed at step 8/8'));
    const leftovers = fs.readdirSync(runDir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no temporary files left behind');
  });

  it('resumes a run folder with more steps', () => {
    const out = tempDir();
    const first = cli(['--preset', 'smoke', '--max-steps', '3', '--out', out, '--data', realDataDir()]);
    assert.equal(first.status, 0, first.stderr);
    const runDir = path.join(out, fs.readdirSync(out)[0]);
    const second = cli(['--resume', runDir, '--max-steps', '6', '--data', realDataDir()]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /Resuming from checkpoint step-000003 \(step 3\)/);
    const manifest = parseRunManifest(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')));
    assert.equal(manifest.progress.step, 6);
  });

  const bad: [string[], RegExp][] = [
    [['--preset', 'huge'], /--preset must be one of reference, quick, smoke, not "huge"/],
    [['--epochs', '0'], /--epochs must be a positive integer, not "0"/],
    [['--backend', 'gpu'], /--backend must be one of auto, tensorflow-gpu, webgpu, tensorflow, wasm, cpu/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--checkpoint', 'x'], /--checkpoint needs --resume/],
    [['--resume', '/nonexistent'], /is not a run folder/],
    [['--config', '/nonexistent.json'], /cannot read \/nonexistent.json \(ENOENT\)/],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with a clear message for ${args.join(' ')}`, () => {
      const result = cli(args);
      assert.equal(result.status, 2);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /--help/);
    });
  }

  it('reports invalid values in a config file by key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'exp.json');
    fs.writeFileSync(file, JSON.stringify({ preset: 'quick', learningRate: -1, epochz: 3 }));
    const result = cli(['--config', file]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /"learningRate" must be greater than 0/);
    assert.match(result.stderr, /Unknown setting "epochz"/);
  });

  it('prints usage with --help', () => {
    const result = cli(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /Usage: gan-studio-train/);
    assert.match(result.stdout, /--max-steps N/);
  });
});
