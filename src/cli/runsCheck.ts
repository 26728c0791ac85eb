/**
 * `gan-studio runs check DIR...`: checks run folders written by someone else (the Python or
 * JavaScript logger, or one's own writer) and says exactly what is wrong with each. DIR is a run
 * folder or a runs root (every run folder in it is checked). Exit code: 0 when GAN Studio reads
 * everything, 1 when a folder has errors, 2 for bad arguments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRunDirs } from '../common/runReader';
import { diskRunFolder } from '../common/runCheckFs';
import { checkRunFolder, formatProblem, RunProblem } from '../protocol/runCheck';
import { RUN_MANIFEST } from '../protocol/runFormat';

export const RUNS_CHECK_USAGE = `Usage: gan-studio runs check [--json] [--strict] DIR...

Checks run folders (docs/run-format.md) and prints every problem with its file, field and fix.
DIR is a run folder (it holds run.json) or a folder of run folders.
  --json     print one JSON object: { "runs": [{ "dir", "problems": [...] }] }
  --strict   warnings fail too (exit code 1)`;

export interface CheckOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const consoleOutput: CheckOutput = { out: (l) => console.log(l), err: (l) => console.error(l) };

export async function runsCheck(argv: string[], io: CheckOutput = consoleOutput): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('-')));
  const dirs = argv.filter((a) => !a.startsWith('-'));
  if (flags.has('--help') || flags.has('-h')) {
    io.out(RUNS_CHECK_USAGE);
    return 0;
  }
  const unknown = [...flags].filter((f) => !['--json', '--strict'].includes(f));
  if (unknown.length > 0 || dirs.length === 0) {
    io.err(unknown.length > 0 ? `Unknown option ${unknown[0]}.` : 'Name the run folder to check.');
    io.err(RUNS_CHECK_USAGE);
    return 2;
  }
  const runDirs: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      io.err(`${dir} is not a folder. Give the path of a run folder (it holds run.json) or of a folder of runs.`);
      return 2;
    }
    if (fs.existsSync(path.join(dir, RUN_MANIFEST))) runDirs.push(dir);
    else {
      const inside = listRunDirs(dir);
      runDirs.push(...(inside.length > 0 ? inside.reverse() : [dir]));
    }
  }
  const results: { dir: string; problems: RunProblem[] }[] = runDirs.map((dir) => ({ dir, problems: checkRunFolder(diskRunFolder(dir)) }));
  const strict = flags.has('--strict');
  const failed = results.some((r) => r.problems.some((p) => p.severity === 'error' || strict));
  if (flags.has('--json')) {
    io.out(JSON.stringify({ runs: results }, null, 2));
  } else {
    for (const { dir, problems } of results) {
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      const verdict = errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : 'OK';
      io.out(`${dir}: ${verdict}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`);
      for (const p of problems) io.out(`  ${formatProblem(p)}`);
    }
  }
  return failed ? 1 : 0;
}
