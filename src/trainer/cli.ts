/**
 * gan-studio-train: the training engine on the command line. Same sessions and run folders as the
 * extension; progress lines like the seed lesson's; Ctrl+C stops cleanly (checkpoint first).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, isPresetName, PRESET_DESCRIPTIONS, PRESET_NAMES, presetConfig, resolveConfig } from '../protocol/experimentConfig';
import { CLI_EXIT } from '../protocol/cliProtocol';
import type { StartParams } from '../protocol/trainerProtocol';
import { hasSweep, type RunSweepInfo } from '../protocol/sweepFormat';
import { jsonReporter } from './cliJson';
import { ResumeRefused, StartCancelled, TrainingSession } from './train/session';

export const USAGE = `Usage: gan-studio-train [options]

Trains the DCGAN of the GAN Studio reference experiment on FashionMNIST and writes a run folder
(run.json, metrics.jsonl, samples/, checkpoints/) that the GAN Studio VS Code extension shows.

Options:
  --preset NAME       ${PRESET_NAMES.join(' | ')} (default: reference)
${PRESET_NAMES.map((p) => `                        ${p}: ${PRESET_DESCRIPTIONS[p]}`).join('\n')}
  --config FILE       experiment file (JSON) overriding the preset, e.g. {"epochs": 5, "learningRate": 0.0001}
  --out DIR           runs folder (default: ./.gan-studio/runs)
  --epochs N          number of epochs
  --max-steps N       stop after N iterations in total
  --backend NAME      ${BACKEND_CHOICES.join(' | ')} (default: auto)
  --data DIR          folder with the data set's files: FashionMNIST's .gz files (default: look in
                      the cache and /usr/share/datasets/fashion-mnist, else download), or those of
                      the experiment's "dataset" (mnist, kmnist: the .gz files; cifar10:
                      cifar-10-binary.tar.gz; folder: its images, when "datasetPath" is not set)
  --offline           never download the data set
  --name NAME         run name
  --resume RUN_DIR    continue a run from its latest checkpoint (or --checkpoint ID)
  --checkpoint ID     with --resume: the checkpoint to continue from (branches into a new run)
  --sweep-member JSON a new run that is a member of a sweep ({"id", "index", "count", "values"}),
                      recorded as run.json's "sweep"; \`gan-studio sweep\` passes it
  --json              machine-readable progress: one JSON object per line on stdout
                      (types started, status, metrics, sample, checkpoint, log, finished,
                      failed); human-readable messages go to stderr
  -h, --help          show this help

Exit codes: 0 completed or stopped (Ctrl+C or SIGTERM stops after a checkpoint), 1 training failed,
2 bad arguments or a run that cannot be resumed (damaged, or trained by another process right now),
130 interrupted before the run folder was written. --resume of a run without a checkpoint starts it
again from step 0 with its own settings.`;

export class UsageError extends Error {}

export interface CliRequest {
  params: StartParams;
  help: boolean;
  /** --json: JSON lines on stdout. */
  json?: boolean;
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not "${value}".`);
  return n;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'gan-studio', 'datasets');
}

/** Turns the command line into start parameters; throws UsageError for anything wrong. */
export function parseCli(argv: string[], cwd = process.cwd()): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        preset: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        epochs: { type: 'string' },
        'max-steps': { type: 'string' },
        backend: { type: 'string' },
        data: { type: 'string' },
        offline: { type: 'boolean' },
        name: { type: 'string' },
        resume: { type: 'string' },
        checkpoint: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        'sweep-member': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.data !== undefined) {
    const dataDir = path.resolve(cwd, v.data);
    if (!fs.statSync(dataDir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`--data: ${dataDir} is not a folder. Give the folder that holds train-images-idx3-ubyte.gz, or leave --data out to use the cache or Debian's dataset-fashion-mnist.`);
    }
  }
  const common = {
    dataDirs: v.data ? [path.resolve(cwd, v.data)] : [],
    cacheDir: defaultCacheDir(),
    offline: v.offline === true,
  };
  if (v.help) return { help: true, params: { runsRoot: '', ...common } };
  if (v.preset !== undefined && !isPresetName(v.preset)) throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}, not "${v.preset}".`);
  if (v.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(v.backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, not "${v.backend}".`);
  }
  if (v.checkpoint !== undefined && v.resume === undefined) throw new UsageError('--checkpoint needs --resume RUN_DIR.');
  const overrides: Record<string, unknown> = {};
  const epochs = positiveInt('epochs', v.epochs);
  const maxSteps = positiveInt('max-steps', v['max-steps']);
  if (epochs !== undefined) overrides.epochs = epochs;
  if (maxSteps !== undefined) overrides.maxSteps = maxSteps;
  if (v.backend !== undefined) overrides.backend = v.backend;
  if (v.name !== undefined) overrides.name = v.name;

  if (v.resume !== undefined) {
    if (v.preset !== undefined || v.config !== undefined) throw new UsageError('--resume continues a run with its own settings; drop --preset/--config.');
    const runDir = path.resolve(cwd, v.resume);
    if (!fs.existsSync(path.join(runDir, 'run.json'))) throw new UsageError(`--resume: ${runDir} is not a run folder (no run.json).`);
    checkWritableFolder(runDir, '--resume');
    return {
      help: false,
      json: v.json === true,
      params: { runsRoot: path.dirname(runDir), resume: { runDir, checkpoint: v.checkpoint, overrides }, ...common },
    };
  }

  let fileOverrides: Record<string, unknown> = {};
  if (v.config !== undefined) {
    const file = path.resolve(cwd, v.config);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--config: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    let parsedFile: unknown;
    try {
      parsedFile = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`--config: ${file} is not valid JSON (${(error as Error).message}).`);
    }
    if (parsedFile === null || typeof parsedFile !== 'object' || Array.isArray(parsedFile)) {
      const what = parsedFile === null ? 'null' : Array.isArray(parsedFile) ? 'an array' : `a ${typeof parsedFile}`;
      throw new UsageError(`--config: ${file} holds ${what}; an experiment file is a JSON object of settings, e.g. {"preset": "quick", "epochs": 5}.`);
    }
    fileOverrides = parsedFile as Record<string, unknown>;
    if (hasSweep(fileOverrides)) throw new UsageError(`--config: ${file} holds a "sweep" of experiments; train it with \`gan-studio sweep ${v.config}\` (every combination), or remove "sweep" to train one run.`);
  }
  const base = presetConfig(v.preset !== undefined && isPresetName(v.preset) ? v.preset : 'reference');
  const merged = { ...fileOverrides, ...(v.preset ? { preset: v.preset } : {}), ...overrides };
  const { config, problems } = resolveConfig(merged, base);
  if (problems.length > 0) {
    const where = v.config !== undefined ? ` in ${path.resolve(cwd, v.config)}` : '';
    throw new UsageError(`Invalid experiment settings${where}: ${problems.map((p) => p.message).join(' ')}`);
  }
  // A relative datasetPath is taken from the experiment file's folder (else the working directory).
  if (config.datasetPath !== null) config.datasetPath = path.resolve(v.config !== undefined ? path.dirname(path.resolve(cwd, v.config)) : cwd, config.datasetPath);
  // --data is the folder of the run's own data set (FashionMNIST's, or the one "dataset" names).
  const datasetDirs = config.dataset !== 'fashion-mnist' && common.dataDirs.length > 0 ? { datasetDirs: { [config.dataset]: common.dataDirs[0] } } : {};
  const runsRoot = path.resolve(cwd, v.out ?? path.join('.gan-studio', 'runs'));
  checkWritableFolder(runsRoot, '--out');
  const sweep = v['sweep-member'] !== undefined ? parseSweepMember(v['sweep-member']) : undefined;
  return { help: false, json: v.json === true, params: { config, runsRoot, ...common, ...datasetDirs, ...(sweep ? { sweep } : {}) } };
}

function parseSweepMember(text: string): RunSweepInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--sweep-member must be JSON such as {"id": "20260101-120000-quick", "index": 0, "count": 2, "values": {"learningRate": 0.0001}}, not ${text}.`);
  }
  const v = value as Partial<RunSweepInfo> | null;
  if (!v || typeof v.id !== 'string' || !Number.isInteger(v.index) || !Number.isInteger(v.count) || !v.values || typeof v.values !== 'object') {
    throw new UsageError('--sweep-member needs "id" (string), "index" and "count" (integers) and "values" (an object).');
  }
  return { id: v.id, index: v.index!, count: v.count!, values: v.values };
}

/** The runs folder must be a folder (or creatable in one) that this user can write: checked before any data loads. */
export function checkWritableFolder(dir: string, option: string): void {
  let existing = dir;
  while (!fs.existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!fs.statSync(existing).isDirectory()) throw new UsageError(`${option}: ${existing} is a file, not a folder; choose a folder for the runs.`);
  try {
    fs.accessSync(existing, fs.constants.W_OK);
  } catch {
    throw new UsageError(`${option}: ${existing} is read-only for this user, so no run folder can be written${existing === dir ? '' : ` in ${dir}`}; choose a writable folder.`);
  }
}

/**
 * The whole life of the command: SIGINT and SIGTERM are handled from here on. Before the run folder
 * exists a signal ends the start (nothing written, exit 130); after it the run stops after the
 * current step with a checkpoint (status "stopped", exit 0). A second signal quits at once (the run
 * then shows as interrupted and resumes from its last checkpoint). The handlers stay until the
 * process exits (cliMain.ts exits as soon as this resolves): a signal that arrives once the run
 * folder is final is ignored, instead of ending the process by its default action.
 */
export async function runCli(argv: string[]): Promise<number> {
  const abort = new AbortController();
  let interrupts = 0;
  let finished = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (finished) return;
    interrupts += 1;
    if (interrupts === 1) {
      console.error(`${signal}: stopping after this step (a checkpoint is saved); press Ctrl+C again to quit at once.`);
      abort.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runCliHandled(argv, abort.signal);
  } finally {
    finished = true;
  }
}

async function runCliHandled(argv: string[], signal: AbortSignal): Promise<number> {
  let request: CliRequest;
  try {
    request = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`gan-studio-train: ${error.message}\nRun gan-studio-train --help for the options.`);
    return CLI_EXIT.usage;
  }
  if (request.help) {
    console.log(USAGE);
    return CLI_EXIT.ok;
  }
  if (request.json) return runJson(request, signal);
  let session: TrainingSession;
  try {
    session = await TrainingSession.prepare(
      request.params,
      {
        status: (s) => {
          if (s.phase === 'downloading' && s.download) {
            const pct = s.download.total ? ` ${Math.floor((100 * s.download.received) / s.download.total)}%` : '';
            process.stderr.write(`\r${s.message}${pct}   `);
          }
        },
        metrics: () => undefined,
        sample: (e) => console.log(`Sample grid: ${e.file}`),
        checkpoint: () => undefined,
        log: (line) => console.log(line),
      },
      // The command line is run by the user in a folder of their choosing: native backends installed there count.
      { signal, backendSearchPaths: [process.cwd()] },
    );
  } catch (error) {
    if (error instanceof StartCancelled) {
      console.error(`gan-studio-train: ${error.message}`);
      return CLI_EXIT.interrupted;
    }
    const e = error as Error & { hint?: string };
    console.error(`gan-studio-train: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
    return error instanceof ResumeRefused ? CLI_EXIT.usage : CLI_EXIT.failed;
  }
  try {
    const finished = await session.run();
    console.log(`Run folder: ${finished.runDir}`);
    return CLI_EXIT.ok;
  } catch (error) {
    const e = error as Error & { hint?: string };
    console.error(`gan-studio-train: ${e.message}${e.hint ? `\n${e.hint}` : ''}\nRun folder: ${session.runDir}`);
    return CLI_EXIT.failed;
  }
}

/** gan-studio-train --json: the same session and life-cycle, reported as JSON lines (src/protocol/cliProtocol.ts). */
async function runJson(request: CliRequest, signal: AbortSignal): Promise<number> {
  const report = jsonReporter((line) => process.stdout.write(`${line}\n`));
  let session: TrainingSession;
  try {
    session = await TrainingSession.prepare(request.params, report.events, { signal, backendSearchPaths: [process.cwd()] });
  } catch (error) {
    const code = error instanceof StartCancelled ? CLI_EXIT.interrupted : error instanceof ResumeRefused ? CLI_EXIT.usage : CLI_EXIT.failed;
    return report.failed(error, undefined, code);
  }
  report.started(session.startResult);
  try {
    return report.finished(await session.run());
  } catch (error) {
    return report.failed(error, session.runDir);
  }
}
