/**
 * `gan-studio report RUN [--out FILE] [--root DIR] [--json]`: writes a run's report (one
 * self-contained HTML file and its Markdown twin, src/common/runReport.ts), by default
 * `<run folder>/report.html`, `report.md` and `report-files/`.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultReportFile, writeRunReport } from '../common/runReport';
import { CLI_EXIT } from '../protocol/cliProtocol';
import { resolveRun, runsRootOf } from './runsCommands';
import type { CliIo } from './subcommands';
import { UsageError } from './subcommands';

export const REPORT_USAGE = `Usage: gan-studio report RUN [--out FILE] [--root DIR] [--json]

Writes the run's report: one self-contained HTML file (config, loss curves, the quality table
and chart, sample grids over time, real vs generated; images inline, no network needed to open
it) and a Markdown twin beside it (FILE.md, with its images in FILE-files/).

  RUN               a run folder, a run id, or a unique prefix of a run id or name in --root
  --out FILE        the HTML file (default: RUN/report.html)
  --root DIR        runs folder (default: $GAN_STUDIO_RUNS_ROOT, else ./.gan-studio/runs)
  --json            print the written paths as one JSON object`;

export function reportCommand(args: string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { out: { type: 'string' }, root: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'which run? Give a run folder or id.' : `one run at a time, not ${parsed.positionals.length}.`);
  const run = resolveRun(parsed.positionals[0], runsRootOf(parsed.values, io), io.cwd);
  const out = parsed.values.out === undefined ? defaultReportFile(run.dir) : path.resolve(io.cwd, parsed.values.out);
  const written = writeRunReport(run.dir, out);
  if (parsed.values.json) io.out(JSON.stringify(written, null, 1));
  else io.out(`Wrote ${written.html}\nand ${written.markdown} (images in ${written.assetsDir})`);
  return CLI_EXIT.ok;
}
