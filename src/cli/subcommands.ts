/**
 * The subcommand table of `gan-studio`: each entry is a word path (`['runs', 'list']`), a one-line
 * summary, its usage text and a `run` that gets the remaining arguments and returns an exit code
 * (src/protocol/cliProtocol.ts CLI_EXIT). Adding a subcommand is adding one entry to SUBCOMMANDS
 * (e.g. `runs check DIR`); dispatch, help and the usage error are generic (dispatch.ts).
 */
import { reportCommand, REPORT_USAGE } from './reportCommand';
import { runsCheck, RUNS_CHECK_USAGE } from './runsCheck';
import { runsExport, runsList, runsNotebook, runsShow } from './runsCommands';
import { sweepCommand, SWEEP_USAGE } from './sweepCommand';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Subcommand {
  path: readonly string[];
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number> | number;
}

/** Thrown for a wrong command line: dispatch prints it with the subcommand's usage and exits 2. */
export class UsageError extends Error {}

/** A run or checkpoint that is not there: exit 3. */
export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

const ROOT_OPTION = `  --root DIR        runs folder (default: $GAN_STUDIO_RUNS_ROOT, else ./.gan-studio/runs)`;
const RUN_ARG = `  RUN               a run folder, a run id, or a unique prefix of a run id or name in --root`;

export const SUBCOMMANDS: Subcommand[] = [
  {
    path: ['runs', 'list'],
    summary: 'list the runs in a runs folder (table, or --json)',
    usage: `Usage: gan-studio runs list [--root DIR] [--json]

Lists the runs in the runs folder, newest first: id, name, status, progress, last losses,
checkpoints. Damaged run folders are listed with the problem.

${ROOT_OPTION}
  --json            one JSON array of runs instead of the table`,
    run: runsList,
  },
  {
    path: ['runs', 'show'],
    summary: 'show one run: status, config, progress, checkpoints, samples',
    usage: `Usage: gan-studio runs show RUN [--root DIR] [--json]

${RUN_ARG}
${ROOT_OPTION}
  --json            the run's manifest (run.json) with its folder, as one JSON object`,
    run: runsShow,
  },
  {
    path: ['runs', 'export'],
    summary: "export a checkpoint's generator as ONNX or TensorFlow.js",
    usage: `Usage: gan-studio runs export RUN [--checkpoint ID] [--format onnx|tfjs] [--out DIR] [--replace] [--root DIR] [--json]

Writes the generator of a checkpoint (default: the run's last) into a new folder
DIR/<run name>-<checkpoint>-<format> (DIR default: the current folder).

${RUN_ARG}
  --checkpoint ID   e.g. step-000469
  --format NAME     onnx (default; generator.onnx, opset 17) or tfjs (model.json + weights)
  --out DIR         parent folder of the export
  --replace         replace an existing export folder
${ROOT_OPTION}
  --json            print the result as one JSON object`,
    run: runsExport,
  },
  {
    path: ['runs', 'notebook'],
    summary: 'write a Jupyter notebook for a run (metrics, grids, ONNX sampling)',
    usage: `Usage: gan-studio runs notebook RUN [--out DIR] [--root DIR] [--json]

Writes <run id>.ipynb (beside the run, in the runs folder, unless --out DIR) and exports the
last checkpoint's generator as ONNX next to it, for the notebook's sampling cell.

${RUN_ARG}
  --out DIR         folder for the notebook and the ONNX export
${ROOT_OPTION}
  --json            print the written paths as one JSON object`,
    run: runsNotebook,
  },
  {
    path: ['runs', 'check'],
    summary: 'check run folders written by any logger against the run format, with fixes',
    usage: RUNS_CHECK_USAGE,
    run: (args, io) => runsCheck(args, { out: io.out, err: io.err }),
  },
  {
    path: ['sweep'],
    summary: "train every combination of an experiment file's \"sweep\" (or --resume one)",
    usage: SWEEP_USAGE,
    run: sweepCommand,
  },
  {
    path: ['report'],
    summary: "write a run's report: one self-contained HTML file and a Markdown twin",
    usage: REPORT_USAGE,
    run: reportCommand,
  },
];
