/**
 * `gan-studio sweep FILE.gan.json [--parallel N]`: trains every combination of an experiment
 * file's `"sweep"` with the same plan and sweep.json as the extension (src/protocol/sweepFormat.ts,
 * src/common/sweepRunner.ts). Each member is a `gan-studio-train --json` child process in its own
 * process group, so Ctrl+C reaches this command once and it stops the members cleanly (each
 * checkpoints); `--resume ID` continues a stopped or interrupted sweep.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { parseArgs } from 'node:util';
import { writeJsonAtomic } from '../common/atomicFile';
import { createSweep, listSweeps, readSweep, sweepDir } from '../common/sweepFiles';
import { MemberHandle, MemberLaunch, MemberOutcome, MemberRunner, SweepBusyError, SweepRun } from '../common/sweepRunner';
import { CLI_EXIT } from '../protocol/cliProtocol';
import { describeValues, planSweep, SweepManifest, SWEEP_MAX_PARALLEL } from '../protocol/sweepFormat';
import { runsRootOf } from './runsCommands';
import { CliIo, NotFoundError, UsageError } from './subcommands';

export const SWEEP_USAGE = `Usage: gan-studio sweep FILE.gan.json [--parallel N] [--root DIR] [--data DIR] [--offline] [--dry-run]
       gan-studio sweep --resume SWEEP_ID [--parallel N] [--root DIR] [--data DIR] [--offline]

Trains every combination of the experiment file's "sweep" (e.g. "sweep": {"learningRate":
[0.0001, 0.0002], "loss": ["bce", "hinge"]}): the first key is the outermost loop, the last
varies fastest. Each combination is a normal run folder in the runs folder, with run.json's
"sweep" naming the sweep; the plan and each member's status are in sweeps/<id>/sweep.json, and
the VS Code extension shows the sweep as one node in the Runs view. Ctrl+C stops the running
members after a checkpoint; --resume continues: completed members are kept, stopped or
interrupted ones continue from their checkpoints, pending ones start.

  FILE              an experiment file with a "sweep" object
  --parallel N      members training at once (default: the file's "sweepParallel", else 1)
  --resume ID       continue the sweep with this id (or a unique prefix), from sweeps/
  --root DIR        runs folder (default: $GAN_STUDIO_RUNS_ROOT, else ./.gan-studio/runs)
  --data DIR        folder with the FashionMNIST files (passed to gan-studio-train)
  --offline         never download the data set
  --dry-run         print the plan and write nothing

Exit codes: 0 every member completed (or the sweep was stopped with Ctrl+C), 1 a member failed,
2 usage error or an invalid file, 3 no such sweep.`;

/** The trainer's command line (dist/cli.js beside this bundle, or GAN_STUDIO_TRAIN_SCRIPT). */
export function trainScript(env: NodeJS.ProcessEnv): string {
  if (env.GAN_STUDIO_TRAIN_SCRIPT) return env.GAN_STUDIO_TRAIN_SCRIPT;
  const beside = path.join(__dirname, 'cli.js');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '..', '..', 'dist', 'cli.js');
}

interface ChildOptions {
  script: string;
  dataArgs: string[];
  log: (line: string) => void;
}

/** Members as `gan-studio-train --json` child processes. */
export class ChildProcessMemberRunner implements MemberRunner {
  constructor(private readonly options: ChildOptions) {}

  start(launch: MemberLaunch): Promise<MemberHandle> {
    const tag = `[${launch.sweep.index + 1}/${launch.sweep.count} ${describeValues(launch.sweep.values)}]`;
    let args: string[];
    if (launch.mode === 'resume') args = ['--resume', launch.runDir!];
    else {
      const configFile = path.join(sweepDir(launch.runsRoot, launch.sweep.id), `member-${String(launch.sweep.index).padStart(3, '0')}.config.json`);
      writeJsonAtomic(configFile, launch.config);
      args = ['--config', configFile, '--out', launch.runsRoot, '--sweep-member', JSON.stringify(launch.sweep)];
    }
    const child = spawn(process.execPath, [this.options.script, ...args, ...this.options.dataArgs, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return new Promise((resolve, reject) => {
      let runDir: string | undefined;
      let outcome: MemberOutcome | undefined;
      const stderr: string[] = [];
      let resolveDone!: (o: MemberOutcome) => void;
      const done = new Promise<MemberOutcome>((r) => (resolveDone = r));
      readline.createInterface({ input: child.stderr! }).on('line', (line) => {
        stderr.push(line);
        if (stderr.length > 20) stderr.shift();
      });
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        let event: { type?: string; [k: string]: unknown };
        try {
          event = JSON.parse(line);
        } catch {
          return;
        }
        if (event.type === 'started') {
          runDir = String(event.runDir);
          resolve({ runDir, done, stop: async () => void child.kill('SIGINT') });
        } else if (event.type === 'log') this.options.log(`${tag} ${String(event.line)}`);
        else if (event.type === 'finished') outcome = { status: event.status === 'completed' ? 'completed' : 'stopped' };
        else if (event.type === 'failed') outcome = { status: 'failed', error: `${String(event.message)}${event.hint ? ` ${String(event.hint)}` : ''}` };
      });
      child.on('close', (code, signal) => {
        const final = outcome ?? { status: 'failed' as const, error: `gan-studio-train ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). ${stderr.join(' ').slice(-400)}` };
        if (!runDir) reject(new Error(final.status === 'failed' ? final.error : 'gan-studio-train ended before it made a run folder.'));
        resolveDone(final);
      });
      child.on('error', (error) => reject(new Error(`could not start gan-studio-train: ${error.message}`)));
    });
  }
}

function findSweep(root: string, spec: string): SweepManifest {
  const all = listSweeps(root);
  const exact = all.find((s) => s.id === spec);
  const matches = exact ? [exact] : all.filter((s) => s.id.startsWith(spec) || ('manifest' in s && s.manifest.name === spec));
  if (matches.length === 0) throw new NotFoundError(`There is no sweep "${spec}" in ${root}.`, all.length ? `Sweeps there: ${all.map((s) => s.id).join(', ')}.` : 'Start one with gan-studio sweep FILE.gan.json.');
  if (matches.length > 1) throw new UsageError(`"${spec}" matches ${matches.length} sweeps (${matches.map((s) => s.id).join(', ')}); give more of the id.`);
  const m = matches[0];
  if ('error' in m) throw new Error(m.error);
  return readSweep(root, m.id);
}

function table(manifest: SweepManifest): string {
  return manifest.members.map((m) => `  ${String(m.index + 1).padStart(3)}  ${m.status.padEnd(9)}  ${describeValues(m.values).padEnd(36)}  ${m.runId ?? ''}${m.error ? `  ${m.error}` : ''}`).join('\n');
}

export async function sweepCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { parallel: { type: 'string' }, root: { type: 'string' }, data: { type: 'string' }, offline: { type: 'boolean' }, resume: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  let parallel: number | undefined;
  if (v.parallel !== undefined) {
    parallel = Number(v.parallel);
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > SWEEP_MAX_PARALLEL) throw new UsageError(`--parallel must be an integer from 1 to ${SWEEP_MAX_PARALLEL}, not "${v.parallel}".`);
  }
  if ((v.resume === undefined) === (parsed.positionals.length === 0)) throw new UsageError(v.resume === undefined ? 'which experiment file? Give FILE.gan.json, or --resume SWEEP_ID.' : 'give either FILE.gan.json or --resume SWEEP_ID, not both.');
  if (parsed.positionals.length > 1) throw new UsageError(`one experiment file at a time, not ${parsed.positionals.length}.`);
  const root = runsRootOf(v, io);
  let manifest: SweepManifest;
  if (v.resume !== undefined) manifest = findSweep(root, v.resume);
  else {
    const file = path.resolve(io.cwd, parsed.positionals[0]);
    let input: unknown;
    try {
      input = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new NotFoundError(`${file} does not exist.`);
      throw new UsageError(`${file} is not a readable JSON experiment file (${e.code ?? e.message}).`);
    }
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw new UsageError(`${file} must hold a JSON object, e.g. {"preset": "quick", "sweep": {"learningRate": [0.0001, 0.0002]}}.`);
    // Members are named after the file (as in VS Code) unless it names them itself.
    const record = input as Record<string, unknown>;
    const { plan, problems } = planSweep('name' in record ? record : { ...record, name: path.basename(file).replace(/(\.gan)?\.json$/, '') }, parallel);
    if (!plan) {
      io.err(`gan-studio sweep: ${file} cannot train:\n${problems.map((p) => `  ${p.message}`).join('\n')}`);
      return CLI_EXIT.usage;
    }
    if (v['dry-run']) {
      io.out(`Sweep "${plan.name}": ${plan.members.length} runs over ${plan.keys.join(', ')}, ${plan.parallel} at a time:`);
      for (const m of plan.members) io.out(`  ${String(m.index + 1).padStart(3)}  ${m.config.name}`);
      return CLI_EXIT.ok;
    }
    fs.mkdirSync(root, { recursive: true });
    manifest = createSweep(root, plan, file);
  }
  const dataArgs = [...(v.data !== undefined ? ['--data', path.resolve(io.cwd, v.data)] : []), ...(v.offline ? ['--offline'] : [])];
  const runner = new ChildProcessMemberRunner({ script: trainScript(io.env), dataArgs, log: io.out });
  const run = new SweepRun(root, manifest.id, runner, { parallel, log: io.out });
  io.out(`Sweep ${manifest.id}: ${manifest.members.length} runs (${manifest.keys.join(' × ')}), in ${root}`);
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts === 1) {
      io.err('Stopping the sweep after each running member checkpoints; resume it with gan-studio sweep --resume ' + manifest.id);
      void run.stop();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let final: SweepManifest;
  try {
    final = await run.start();
  } catch (error) {
    if (error instanceof SweepBusyError) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  io.out(`Sweep ${final.id} ${final.state}:\n${table(final)}`);
  if (final.state === 'stopped') io.out(`Resume it with: gan-studio sweep --resume ${final.id}${v.root ? ` --root ${v.root}` : ''}`);
  return final.state === 'failed' ? CLI_EXIT.failed : CLI_EXIT.ok;
}
