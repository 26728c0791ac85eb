/**
 * Bring your own GAN: run folders written by the Python logger (python/gan_studio.py, run here
 * without PyTorch) and by the JavaScript logger (src/logger) pass the validator, read like GAN
 * Studio's own runs, lay their grids out like the trainer's, and are marked external in the tree
 * (no Stop/Resume menus). The validator names file, field and fix for broken folders.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as LoggerTypes from '../../../logger/index';
import { runsCheck } from '../../../src/cli/runsCheck';
import { diskRunFolder } from '../../../src/common/runCheckFs';
import { readMetrics, readRun } from '../../../src/common/runReader';
import { planLoggerFiles } from '../../../src/extension/byog/loggerFiles';
import { inspectorRun } from '../../../src/extension/inspector/inspectorModel';
import { RunStore, type RunSummary } from '../../../src/extension/runs/runStore';
import { checkpointViews, runView } from '../../../src/extension/runs/runTreeModel';
import * as logger from '../../../src/logger/index';
import { checkRunFolder, RunProblem } from '../../../src/protocol/runCheck';
import { isStaleRunning, LOCK_FILE, RunManifest } from '../../../src/protocol/runFormat';
import { makeGrid } from '../../../src/trainer/image/grid';
import { decodeGrayPng } from '../../../src/trainer/image/png';
import { REPO_ROOT, tempDir } from '../helpers';

// The declared types of require('gan-studio/logger') match the implementation (a type error otherwise).
const typedApi: typeof LoggerTypes = logger;

const PYTHON = process.env.GAN_STUDIO_PYTHON ?? 'python3';

/** 16 images of 8x8 in [-1, 1], as nested NCHW lists. */
function batch(): number[][][][] {
  return Array.from({ length: 16 }, (_, i) => [Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => Math.sin(i + x * 0.7 - y * 0.3)))]);
}

function runPython(script: string, root: string): string {
  const result = spawnSync(PYTHON, ['-c', script, root], { cwd: path.join(REPO_ROOT, 'python'), encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(REPO_ROOT, 'python') } });
  assert.equal(result.status, 0, `${PYTHON} failed: ${result.stderr}`);
  return result.stdout.trim();
}

function onlyRun(root: string): string {
  const dirs = fs.readdirSync(root).filter((d) => !d.startsWith('.'));
  assert.equal(dirs.length, 1, `one run folder expected in ${root}: ${dirs.join(', ')}`);
  return path.join(root, dirs[0]);
}

function errors(problems: RunProblem[]): RunProblem[] {
  return problems.filter((p) => p.severity === 'error');
}

function summaryOf(dir: string): RunSummary {
  const read = readRun(dir);
  assert.ok(read.ok, read.ok ? '' : read.error);
  return { dir, id: read.manifest.id, manifest: read.manifest, interrupted: read.interrupted, sortKey: read.manifest.createdAt };
}

describe('bring your own GAN', () => {
  const images = batch();

  it('the Python logger writes a folder that passes the validator and reads as an external run', () => {
    const root = tempDir();
    runPython(
      `import sys, json, gan_studio
imgs = json.loads(${JSON.stringify(JSON.stringify(images))})
run = gan_studio.init(name="py", config={"batch_size": 16, "lr": 0.001, "nz": 8}, root=sys.argv[1], total_steps=6, steps_per_epoch=3)
for step in range(6):
    run.log(step, loss_d=1.4 - step / 10, loss_g=0.8, d_x=0.6, d_g_z=0.3)
run.log_real_grid(imgs)
run.log_grid(5, imgs)
run.checkpoint(6, epoch=2)
run.finish()`,
      root,
    );
    const dir = onlyRun(root);
    assert.deepEqual(checkRunFolder(diskRunFolder(dir)), []);
    const run = summaryOf(dir);
    const m = run.manifest!;
    assert.equal(m.status, 'completed');
    assert.equal(m.external?.language, 'python');
    assert.equal(m.config.learningRate, 0.001);
    // The loggers' `step` is the 0-based iteration index (no `stepCount`): read as iterations completed.
    assert.deepEqual(readMetrics(dir).records.map((r) => [r.iteration, r.step]), [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6]]);
    const view = runView(run);
    assert.equal(view.contextValue, 'run:external-completed:ckpt:samples');
    assert.match(view.description!, /^external · 2\/2 epochs · D 0\.900/);
    assert.match(view.tooltip!, /logged by \| gan\\_studio\\.py 1/);
    assert.deepEqual(checkpointViews(m, (t) => t).map((c) => c.contextValue), ['checkpoint:external']);
    const inspector = inspectorRun(run, (f) => f)!;
    assert.deepEqual([inspector.imageSize, inspector.sampleCount, inspector.realCount], [8, 16, 16]);

    // The same images, laid out by the trainer's own grid code, give the same pixels.
    const expected = makeGrid(Float32Array.from(images.flat(3)), 8);
    const png = decodeGrayPng(fs.readFileSync(path.join(dir, 'samples/step-000005.grid.png')));
    assert.deepEqual([png.width, png.height], [expected.width, expected.height]);
    assert.deepEqual(Buffer.from(png.pixels), Buffer.from(expected.pixels));
    assert.equal(png.text.Step, '5');
  });

  it('the JavaScript logger writes the same kind of folder, from NHWC tensors as TensorFlow.js has them', () => {
    const root = tempDir();
    const warnings: string[] = [];
    const run = typedApi.init({ name: 'js', config: { batchSize: 16, lr: 0.001, nz: 8 }, root, totalSteps: 6, stepsPerEpoch: 3, onWarning: (w) => warnings.push(w) });
    for (let step = 0; step < 6; step++) run.log(step, { lossD: 1.4 - step / 10, lossG: 0.8, dReal: 0.6, dFake: 0.3 });
    // A tf.Tensor-like NHWC batch: 16 x 8 x 8 x 1.
    const nhwc = { shape: [16, 8, 8, 1], dataSync: () => Float32Array.from(images.flat(3)) };
    run.logRealGrid(images);
    run.logGrid(5, nhwc);
    run.logGrid(6, 'not images' as never); // a bad call warns once and does not throw
    run.logGrid(7, 'not images' as never);
    run.checkpoint(6, { epoch: 2 });
    run.finish();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /logGrid failed/);
    const dir = run.dir;
    assert.deepEqual(errors(checkRunFolder(diskRunFolder(dir))), []);
    const m = summaryOf(dir).manifest!;
    assert.equal(m.status, 'completed');
    assert.equal(m.external?.language, 'javascript');
    assert.deepEqual([m.config.batchSize, m.config.learningRate, m.config.latentSize, m.config.sampleCount], [16, 0.001, 8, 16]);
    const real = decodeGrayPng(fs.readFileSync(path.join(dir, 'samples/real.grid.png')));
    const generated = decodeGrayPng(fs.readFileSync(path.join(dir, 'samples/step-000005.grid.png')));
    assert.deepEqual(Buffer.from(generated.pixels), Buffer.from(real.pixels), 'NHWC and NCHW input give the same grid');
  });

  it('a running external run is interrupted when its process is gone or its heartbeat stopped', () => {
    const root = tempDir();
    const run = logger.init({ name: 'live', root, heartbeatSec: 10 });
    const m = JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as RunManifest;
    const beat = Date.parse(m.updatedAt);
    const alive = () => true;
    assert.equal(isStaleRunning(m, alive, m.hostname, beat + 29_000), false);
    assert.equal(isStaleRunning(m, alive, m.hostname, beat + 31_000), true, 'three missed heartbeats (at least 30 s)');
    assert.equal(isStaleRunning(m, () => false, m.hostname, beat), true, 'its process is gone');
    assert.equal(isStaleRunning(m, () => false, 'another-host', beat), false, 'another machine: only the heartbeat counts');
    const view = runView({ ...summaryOf(run.dir), interrupted: true });
    assert.equal(view.contextValue, 'run:external-interrupted');
    assert.match(view.tooltip!, /stopped without calling finish\(\)/);
    run.finish();
  });

  it('the run store notices a killed logger without any file changing', async () => {
    const root = tempDir();
    const run = logger.init({ name: 'killed', root });
    // The "training script": a child process whose pid the run folder names.
    const script = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const file = path.join(run.dir, 'run.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), pid: script.pid }));
    // Like a folder of the Python logger, which writes no trainer.lock: only pid and heartbeat tell.
    fs.rmSync(path.join(run.dir, LOCK_FILE));
    const store = new RunStore(root, false);
    assert.equal(store.get(run.dir)?.interrupted, false);
    const changes: string[] = [];
    store.onDidChange((c) => changes.push(...c.changed.map((s) => s.dir)));
    store.checkStale();
    assert.deepEqual(changes, [], 'nothing to report while the script runs');
    await new Promise((resolve) => script.once('exit', resolve).kill('SIGKILL'));
    store.checkStale();
    assert.deepEqual(changes, [run.dir]);
    assert.equal(store.get(run.dir)?.interrupted, true);
    store.checkStale();
    assert.deepEqual(changes, [run.dir], 'reported once');
    store.dispose();
    run.finish();
  });

  it('no Stop, Pause, Resume or log menu matches an external run in package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
    const menus = pkg.contributes.menus['view/item/context'];
    const offered = (contextValue: string) =>
      menus
        .filter((item) => {
          const match = /viewItem =~ \/(.+)\/$/.exec(item.when ?? '');
          if (match) return new RegExp(match[1]).test(contextValue);
          const equal = /viewItem == (\S+)/.exec(item.when ?? '');
          return !!equal && equal[1] === contextValue;
        })
        .map((item) => item.command);
    for (const status of ['running', 'interrupted', 'stopped', 'completed', 'failed']) {
      const commands = offered(`run:external-${status}:ckpt:samples`);
      for (const forbidden of ['ganStudio.stopTraining', 'ganStudio.pauseTraining', 'ganStudio.resumeRun', 'ganStudio.checkpointNow', 'ganStudio.showLog']) {
        assert.ok(!commands.includes(forbidden), `${forbidden} offered for an external ${status} run`);
      }
      assert.ok(commands.includes('ganStudio.openRun'), `Open Run missing for an external ${status} run`);
    }
    assert.ok(!offered('run:external-running:samples').includes('ganStudio.deleteRun'));
    assert.ok(offered('run:stopped:ckpt:samples').includes('ganStudio.resumeRun'), 'GAN Studio runs keep Resume');
    assert.deepEqual(offered('checkpoint:external'), []);
    assert.deepEqual(offered('checkpoint:onnx').sort(), ['ganStudio.evaluateCheckpoint', 'ganStudio.openPlayground', 'ganStudio.openPlayground'], 'an ONNX generator opens in the playground and is evaluated; no resume or export');
  });
});

describe('docs/bring-your-own-gan.md', () => {
  it('has a PyTorch example that compiles and uses the logger', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'bring-your-own-gan.md'), 'utf8');
    const code = /```python\n([\s\S]+?)```/.exec(doc)![1];
    for (const call of ['gan_studio.init(', 'run.log(', 'run.log_grid(', 'run.log_real_grid(', 'run.finish()']) assert.ok(code.includes(call), call);
    const result = spawnSync(PYTHON, ['-c', 'import sys; compile(sys.stdin.read(), "bring-your-own-gan.md", "exec")'], { input: code, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});

describe('Add Python Logger to Project', () => {
  it('writes new files, skips identical ones and flags a different file of the same name (it asks before replacing)', () => {
    const folder = tempDir();
    const source = path.join(REPO_ROOT, 'python');
    assert.deepEqual(planLoggerFiles(source, folder).map((f) => f.state), ['new', 'new']);
    fs.copyFileSync(path.join(source, 'gan_studio.py'), path.join(folder, 'gan_studio.py'));
    fs.writeFileSync(path.join(folder, 'gan_studio_example.py'), '# my own\n');
    assert.deepEqual(planLoggerFiles(source, folder).map((f) => [f.name, f.state]), [['gan_studio.py', 'same'], ['gan_studio_example.py', 'different']]);
  });
});

describe('the run folder validator', () => {
  function brokenRun(): string {
    const root = tempDir();
    const run = logger.init({ name: 'broken', root, onWarning: () => undefined });
    run.log(0, { lossD: 1, lossG: 1 });
    run.logGrid(0, batch());
    run.finish();
    return run.dir;
  }

  function edit(dir: string, change: (m: Record<string, unknown>) => void): void {
    const file = path.join(dir, 'run.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    change(m);
    fs.writeFileSync(file, JSON.stringify(m));
  }

  it('names the file, the field and the fix for each problem', () => {
    const dir = brokenRun();
    edit(dir, (m) => {
      m.status = 'done';
      (m.progress as Record<string, unknown>).step = '3';
      (m.config as Record<string, unknown>).batchSize = 1;
      (m.config as Record<string, unknown>).myOwnKey = true;
      m.samples = [{ step: 0, epoch: 0, file: 'samples/step-000000.grid.png', time: 'yesterday' }, ...(m.samples as unknown[])];
      (m.external as Record<string, unknown>).imageSize = 16;
      m.checkpoints = [{ id: 'step-000001', step: 1, epoch: 0, reason: 'request', time: new Date().toISOString() }];
    });
    fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step": 1, "lossD": "x", "lossG": 1}\n{"step": 2, "lossD": 1, "lossG": 1}\n{"step": 3, "lo');
    const problems = checkRunFolder(diskRunFolder(dir));
    const at = (file: string, field: string) => problems.find((p) => p.file === file && p.field === field);
    assert.match(at('run.json', 'status')!.message, /should be one of running, completed, stopped, failed, not "done"/);
    assert.match(at('run.json', 'progress.step')!.message, /should be a number/);
    assert.match(at('run.json', 'config.batchSize')!.fix, /Images per batch/);
    assert.match(at('run.json', 'config.myOwnKey')!.fix, /external\.userConfig/);
    assert.match(at('run.json', 'samples[0]')!.message, /ISO time/);
    assert.match(at('samples/step-000000.grid.png', 'samples[1]')!.message, /is 82x22 pixels, which is not a grid of 16 images of 16x16/);
    assert.match(at('checkpoints/step-000001/checkpoint.json', '')!.message, /is missing/);
    assert.equal(at('metrics.jsonl:2', 'lossD')!.severity, 'error');
    assert.equal(at('metrics.jsonl:4', '')!.severity, 'warning', 'a torn last line is only a warning');
    for (const p of problems) assert.ok(p.fix.length > 10, `no fix for ${p.file} ${p.field}`);
  });

  it('says what to do when there is no run.json or it is not JSON', () => {
    const dir = tempDir();
    assert.match(checkRunFolder(diskRunFolder(dir))[0].fix, /gan_studio\.py/);
    fs.writeFileSync(path.join(dir, 'run.json'), '{"formatVersion": 1,');
    assert.match(checkRunFolder(diskRunFolder(dir))[0].message, /is not valid JSON/);
  });

  it('runsCheck: exit code 0 for a good folder or runs root, 1 with errors, 2 for bad arguments', async () => {
    const root = tempDir();
    const good = logger.init({ name: 'good', root });
    good.log(0, { lossD: 1, lossG: 1 });
    good.logRealGrid(batch());
    good.logGrid(0, batch());
    good.finish();
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    assert.equal(await runsCheck([good.dir], io), 0);
    assert.match(lines[0], /: OK$/);
    assert.equal(await runsCheck([root], io), 0);
    const bad = brokenRun();
    edit(bad, (m) => delete m.progress);
    lines.length = 0;
    assert.equal(await runsCheck([bad], io), 1);
    assert.match(lines.join('\n'), /error {4}run\.json {2}progress: should be an object\.\n {11}Fix: Write \{ step, epoch/);
    lines.length = 0;
    assert.equal(await runsCheck(['--json', bad], io), 1);
    assert.equal((JSON.parse(lines.join('\n')) as { runs: { problems: RunProblem[] }[] }).runs[0].problems[0].field, 'progress');
    assert.equal(await runsCheck([], io), 2);
    assert.equal(await runsCheck([path.join(root, 'nope')], io), 2);
  });
});
