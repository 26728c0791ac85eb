/**
 * The fault-injection suite (npm run test:faults; a reduced form with --reduced runs in npm test):
 * the real gan-studio-train command (dist/cli.js) on a tiny model and synthetic data, attacked in
 * every way the reliability promises of the README cover, each outcome compared bit for bit with
 * an uninterrupted run:
 *   - kill -9 at random moments (start-up, steps, checkpoint and grid writes), many times over one
 *     run, then resume to the end;
 *   - SIGTERM and SIGINT at random moments (the run must say stopped, never running);
 *   - a full disk (ENOSPC from a write hook after a random number of bytes), then resume;
 *   - corrupt and hostile run folders (damaged JSON, hostile ids and paths, symlinks out of the
 *     root): refused with exit 2 or resumed, nothing outside the root touched, readers never throw;
 *   - hostile experiment files (every JSON type at the top level, huge numbers, deep nesting);
 *   - two trainers on one run (the second is refused).
 * Prints a table: faults injected, runs lost (must be 0), resumes not exact (must be 0), other
 * failures (wrong status or exit code, a file touched outside the root; must be 0).
 *   tsx test/faults/faults.ts [--reduced] [--seed N]
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listRunDirs, readMetrics, readRun } from '../../src/common/runReader';
import { RunStore } from '../../src/extension/runs/runStore';
import { runChildren, runView } from '../../src/extension/runs/runTreeModel';
import { buildRunInfo } from '../../src/extension/dashboard/runInfo';
import { loadCheckpoint } from '../../src/trainer/train/checkpoint';
import { Rng } from '../../src/trainer/rng';
import { HOSTILE_EXPERIMENTS } from '../unit/reliability/hostileInputs';
import { writeImagesFixture } from '../unit/helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'gan-studio-train.js');
const HOOK = path.join(__dirname, 'enospcHook.cjs');
const reduced = process.argv.includes('--reduced');
const seedArg = process.argv.indexOf('--seed');
const rng = new Rng(seedArg > 0 ? Number(process.argv[seedArg + 1]) : 20261130, 9);

const PLAN = reduced
  ? { killRuns: 3, killsPerRun: 4, sigterm: 3, sigint: 2, enospc: 3, hostileFolders: true, twoTrainers: 1 }
  : { killRuns: 10, killsPerRun: 8, sigterm: 15, sigint: 10, enospc: 12, hostileFolders: true, twoTrainers: 3 };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-studio-faults-'));
const dataDir = path.join(work, 'data');
fs.mkdirSync(dataDir);
writeImagesFixture(dataDir, 24);
const TOTAL = 30;
const experiment = path.join(work, 'exp.gan.json');
fs.writeFileSync(
  experiment,
  JSON.stringify({ preset: 'smoke', name: 'faults', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 3, sampleCount: 16, epochs: 10, maxSteps: null }),
);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Row {
  faults: number;
  lost: number;
  notExact: number;
  other: number;
  notes: string[];
}
const table = new Map<string, Row>();
function row(name: string): Row {
  if (!table.has(name)) table.set(name, { faults: 0, lost: 0, notExact: 0, other: 0, notes: [] });
  return table.get(name)!;
}

function trainer(args: string[], env: Record<string, string> = {}, fault?: { signal: NodeJS.Signals; afterMs: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--data', dataDir, '--offline'], { cwd: work, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = fault ? setTimeout(() => child.kill(fault.signal), fault.afterMs) : undefined;
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const newRun = (out: string) => ['--config', experiment, '--out', out];

function runDirIn(out: string): string | undefined {
  return listRunDirs(out)[0];
}

/** The outcome of a run, for a bit-for-bit comparison: every logged value and every tensor of the last checkpoint. */
function fingerprint(runDir: string): string {
  const run = readRun(runDir);
  if (!run.ok) return `damaged: ${run.error}`;
  const hash = crypto.createHash('sha256');
  const records = readMetrics(runDir).records.map((r) => [r.step, r.epoch, r.batch, r.lossD, r.lossG, r.dReal, r.dFake, r.dFakeAfter]);
  hash.update(JSON.stringify(records));
  const last = run.manifest.checkpoints[run.manifest.checkpoints.length - 1];
  if (!last) return 'no checkpoint';
  const ckpt = loadCheckpoint(path.join(runDir, 'checkpoints', last.id));
  for (const [name, data] of [...ckpt.tensors].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  hash.update(JSON.stringify([ckpt.manifest.step, ckpt.manifest.rng, ckpt.manifest.optimizerSteps, ckpt.manifest.adamBetaPowers]));
  return `${run.manifest.status} ${run.manifest.progress.step} ${records.length} ${hash.digest('hex')}`;
}

/** Resumes (or starts, when no run folder was written yet) until the run completes; undefined when it cannot. */
async function finish(out: string, r: Row): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = runDirIn(out);
    const result = await trainer(dir ? ['--resume', dir] : newRun(out));
    if (result.code === 0 && result.stdout.includes(`Completed at step ${TOTAL}/${TOTAL}`)) return runDirIn(out);
    r.notes.push(`resume exit ${result.code}: ${result.stderr.trim().split('\n')[0]}`);
  }
  return undefined;
}

async function compare(out: string, r: Row, expected: string): Promise<void> {
  const dir = await finish(out, r);
  if (!dir) {
    r.lost += 1;
    return;
  }
  const got = fingerprint(dir);
  if (got !== expected) {
    r.notExact += 1;
    r.notes.push(`${path.basename(dir)}: ${got} != ${expected}`);
  }
  if (listRunDirs(out).length !== 1) {
    r.other += 1;
    r.notes.push(`${listRunDirs(out).length} run folders for one run`);
  }
}

/** Snapshot of a folder tree outside the runs root (names, sizes, contents). */
function snapshot(dir: string): string {
  const hash = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      hash.update(p);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

async function main(): Promise<number> {
  const started = Date.now();
  // The uninterrupted run every other outcome is compared with.
  const baseOut = path.join(work, 'baseline');
  const t0 = Date.now();
  const base = await trainer(newRun(baseOut));
  const baseMs = Date.now() - t0;
  if (base.code !== 0) throw new Error(`the uninterrupted run failed: ${base.stderr}`);
  const expected = fingerprint(runDirIn(baseOut)!);
  const baseBytes = fs.statSync(path.join(runDirIn(baseOut)!, 'checkpoints', 'step-000030', 'tensors.bin')).size;
  console.log(`Uninterrupted run: ${TOTAL} steps in ${baseMs} ms (${expected})`);

  // kill -9 at random moments, many times over one run.
  const k9 = row('kill -9 at random moments, then resume');
  for (let i = 0; i < PLAN.killRuns; i++) {
    const out = path.join(work, `kill-${i}`);
    for (let kills = 0, attempts = 0; kills < PLAN.killsPerRun && attempts < 3 * PLAN.killsPerRun; attempts++) {
      const dir = runDirIn(out);
      // Anywhere in a process's life: node's start-up, loading, steps, grid and checkpoint writes, the exit.
      const result = await trainer(dir ? ['--resume', dir] : newRun(out), {}, { signal: 'SIGKILL', afterMs: rng.uniform() * baseMs * 0.8 });
      if (result.signal === 'SIGKILL') {
        kills += 1;
        k9.faults += 1;
      } else if (result.code === 0) break; // it finished before the kill
      else k9.notes.push(`exit ${result.code}: ${result.stderr.trim().split('\n')[0]}`);
    }
    await compare(out, k9, expected);
  }

  // SIGTERM / SIGINT at random moments: the run says stopped (or nothing was written), then resumes exactly.
  for (const [signal, count] of [['SIGTERM', PLAN.sigterm], ['SIGINT', PLAN.sigint]] as const) {
    const r = row(`${signal} at a random moment, then resume`);
    for (let i = 0; i < count; i++) {
      const out = path.join(work, `${signal}-${i}`);
      const result = await trainer(newRun(out), {}, { signal, afterMs: rng.uniform() * baseMs });
      r.faults += 1;
      const dir = runDirIn(out);
      const status = dir ? readRun(dir) : undefined;
      // Before the CLI's first line runs (node's own start-up) the default action ends the process: nothing is written then.
      const okExit = result.code === 0 || ((result.code === 130 || result.signal === signal) && !dir);
      if (!okExit || (status?.ok && status.manifest.status === 'running')) {
        r.other += 1;
        r.notes.push(`exit ${result.code ?? result.signal}, status ${status?.ok ? status.manifest.status : 'none'}`);
      }
      await compare(out, r, expected);
    }
  }

  // A full disk: every write fails with ENOSPC after a random number of bytes; then resume with space again.
  const full = row('disk full (ENOSPC) at a random write, then resume');
  for (let i = 0; i < PLAN.enospc; i++) {
    const out = path.join(work, `enospc-${i}`);
    fs.mkdirSync(out);
    const limit = Math.floor(rng.uniform() * baseBytes * 12);
    const result = await trainer(newRun(out), { NODE_OPTIONS: `--require ${HOOK}`, GAN_STUDIO_FAULT_ENOSPC_AFTER: String(limit), GAN_STUDIO_FAULT_DIR: out });
    full.faults += 1;
    const dir = runDirIn(out);
    const status = dir ? readRun(dir) : undefined;
    if (result.code === 0) full.notes.push(`limit ${limit} B: the run completed (the limit was not reached)`);
    else if (result.code !== 1 || !/disk is full|ENOSPC/i.test(result.stderr)) {
      full.other += 1;
      full.notes.push(`limit ${limit} B: exit ${result.code}: ${result.stderr.trim().split('\n')[0]}`);
    } else if (status?.ok && status.manifest.status === 'running' && !status.interrupted) {
      full.other += 1;
      full.notes.push('a run left "running" by a live pid');
    }
    await compare(out, full, expected);
  }

  // Hostile and corrupt run folders: refused (exit 2) or resumed exactly; nothing outside the root changes; readers never throw.
  if (PLAN.hostileFolders) {
    const r = row('corrupt or hostile run folder');
    const source = runDirIn(baseOut)!;
    const cases: [string, (dir: string, outside: string) => void, 'refuse' | 'resume'][] = [
      ['run.json torn', (d) => fs.writeFileSync(path.join(d, 'run.json'), fs.readFileSync(path.join(d, 'run.json'), 'utf8').slice(0, 200)), 'refuse'],
      ['run.json holds null', (d) => fs.writeFileSync(path.join(d, 'run.json'), 'null'), 'refuse'],
      ['run.json nested 100,000 deep', (d) => fs.writeFileSync(path.join(d, 'run.json'), `${'['.repeat(100000)}${']'.repeat(100000)}`), 'refuse'],
      ['run id "../../x"', (d) => editJson(path.join(d, 'run.json'), (m) => (m.id = '../../x')), 'refuse'],
      ['checkpoint id out of the root', (d) => editJson(path.join(d, 'run.json'), (m) => (m.checkpoints[m.checkpoints.length - 1].id = '../../../outside')), 'refuse'],
      ['sample path out of the root', (d) => editJson(path.join(d, 'run.json'), (m) => (m.samples[0].file = '../../outside/keep.txt')), 'refuse'],
      ['checkpoint.json id out of the root', (d) => editJson(path.join(d, 'checkpoints', 'step-000030', 'checkpoint.json'), (m) => (m.id = '../../../outside')), 'refuse'],
      ['tensors.bin truncated', (d) => fs.truncateSync(path.join(d, 'checkpoints', 'step-000030', 'tensors.bin'), 100), 'refuse'],
      ['checkpoint folder is a symlink out', (d, o) => { fs.rmSync(path.join(d, 'checkpoints', 'step-000030'), { recursive: true }); fs.symlinkSync(o, path.join(d, 'checkpoints', 'step-000030')); }, 'refuse'],
      ['samples folder is a symlink out', (d, o) => { fs.rmSync(path.join(d, 'samples'), { recursive: true }); fs.symlinkSync(o, path.join(d, 'samples')); }, 'refuse'],
      ['metrics.jsonl with garbage and a torn line', (d) => fs.appendFileSync(path.join(d, 'metrics.jsonl'), 'garbage\n{"step": 1e999}\n{"step": 3'), 'resume'],
      ['stale lock of a dead trainer', (d) => fs.writeFileSync(path.join(d, 'trainer.lock'), JSON.stringify({ pid: 2 ** 22 + 17, hostname: os.hostname(), processStart: null, since: 'then' })), 'resume'],
      ['damaged lock file', (d) => fs.writeFileSync(path.join(d, 'trainer.lock'), '{"pid": '), 'resume'],
    ];
    for (const [name, damage, expect] of cases) {
      const root = path.join(work, `hostile-${r.faults}`);
      const outside = path.join(root, 'outside');
      fs.mkdirSync(outside, { recursive: true });
      fs.writeFileSync(path.join(outside, 'keep.txt'), 'precious');
      const runs = path.join(root, 'runs');
      fs.mkdirSync(runs);
      const dir = path.join(runs, path.basename(source));
      fs.cpSync(source, dir, { recursive: true });
      // Resume for 10 more epochs, so that a resumable folder trains again and writes.
      editJson(path.join(dir, 'run.json'), (m) => (m.status = 'stopped'));
      damage(dir, outside);
      const before = snapshot(outside);
      r.faults += 1;
      const result = await trainer(['--resume', dir, '--epochs', '11']);
      const wanted = expect === 'refuse' ? 2 : 0;
      if (result.code !== wanted) {
        r.other += 1;
        r.notes.push(`${name}: exit ${result.code} (expected ${wanted}): ${result.stderr.trim().split('\n')[0]}`);
      }
      if (snapshot(outside) !== before) {
        r.other += 1;
        r.notes.push(`${name}: a file outside the runs root changed`);
      }
      try {
        const store = new RunStore(runs, false);
        for (const run of store.list()) {
          runView(run);
          runChildren(run);
          buildRunInfo(run, undefined);
        }
        readMetrics(dir);
        store.dispose();
      } catch (error) {
        r.other += 1;
        r.notes.push(`${name}: a reader threw ${(error as Error).message}`);
      }
    }
  }

  // Hostile experiment files.
  {
    const r = row('hostile experiment file');
    for (const [what, text] of HOSTILE_EXPERIMENTS) {
      const file = path.join(work, `hostile-${r.faults}.gan.json`);
      fs.writeFileSync(file, text);
      const out = path.join(work, `hostile-exp-${r.faults}`);
      r.faults += 1;
      const result = await trainer(['--config', file, '--out', out]);
      if (result.code !== 2 || !result.stderr.includes(file) || fs.existsSync(out)) {
        r.other += 1;
        r.notes.push(`${what}: exit ${result.code}: ${result.stderr.trim().split('\n')[0]}`);
      }
    }
  }

  // Two trainers on one run: the second is refused, the first finishes alone.
  {
    const r = row('two trainers on one run');
    for (let i = 0; i < PLAN.twoTrainers; i++) {
      const out = path.join(work, `two-${i}`);
      const first = await trainer([...newRun(out), '--max-steps', '3']);
      const dir = runDirIn(out);
      if (first.code !== 0 || !dir) throw new Error(`setup failed: ${first.stderr}`);
      const owner = spawn(process.execPath, [BIN, '--resume', dir, '--max-steps', String(TOTAL), '--data', dataDir, '--offline'], { cwd: work });
      const ownerDone = new Promise<number | null>((resolve) => owner.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => owner.stdout.on('data', (d: Buffer) => String(d).includes('Run folder:') && resolve()));
      r.faults += 1;
      const second = await trainer(['--resume', dir, '--max-steps', String(TOTAL)]);
      if (second.code !== 2 || !/being trained by process/.test(second.stderr)) {
        r.other += 1;
        r.notes.push(`second trainer: exit ${second.code}: ${second.stderr.trim().split('\n')[0]}`);
      }
      const code = await ownerDone;
      const steps = readMetrics(dir).records.map((m) => m.step);
      if (code !== 0 || steps.some((s, j) => j > 0 && s <= steps[j - 1])) {
        r.other += 1;
        r.notes.push(`owner exit ${code}; steps ${steps.join(',')}`);
      }
      const got = fingerprint(dir);
      if (got !== expected) {
        r.notExact += 1;
        r.notes.push(`${got} != ${expected}`);
      }
    }
  }

  const rows = [...table.entries()];
  const sum = (k: 'faults' | 'lost' | 'notExact' | 'other') => rows.reduce((a, [, r]) => a + r[k], 0);
  console.log(`\nFault injection${reduced ? ' (reduced)' : ''}: ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${seedArg > 0 ? process.argv[seedArg + 1] : 20261130}\n`);
  console.log('| fault | injected | runs lost | resumes not exact | other failures |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, r] of rows) console.log(`| ${name} | ${r.faults} | ${r.lost} | ${r.notExact} | ${r.other} |`);
  console.log(`| **total** | **${sum('faults')}** | **${sum('lost')}** | **${sum('notExact')}** | **${sum('other')}** |`);
  for (const [name, r] of rows) for (const note of r.notes) console.log(`  ${name}: ${note}`);
  const failed = sum('lost') + sum('notExact') + sum('other');
  if (failed === 0) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`\nKept for inspection: ${work}`);
  return failed === 0 ? 0 : 1;
}

function editJson(file: string, edit: (value: any) => void): void {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(value);
  fs.writeFileSync(file, JSON.stringify(value));
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
