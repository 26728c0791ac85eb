/**
 * `gan-studio runs list|show|export|notebook`: run folders on the command line, read with the same
 * readers as the Runs view (src/common/runReader.ts), exported with the generator process's
 * writers (in process here: no VS Code, no child process).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../common/atomicFile';
import { listRunDirs, readRun, RunReadResult } from '../common/runReader';
import { buildRunNotebook, planRunNotebook, serializeNotebook } from '../common/runNotebook';
import { CLI_EXIT } from '../protocol/cliProtocol';
import { EXPORT_FORMATS, ExportFormat } from '../protocol/generatorProtocol';
import type { RunManifest } from '../protocol/runFormat';
import { formatEpochProgress } from '../protocol/steps';
import { writeOnnxExport } from '../generator/onnxExport';
import { writeTfjsExport } from '../generator/tfjsExport';
import { loadCheckpoint } from '../trainer/train/checkpoint';
import { ganStudioVersion } from '../trainer/versions';
import type { CliIo } from './subcommands';
import { NotFoundError, UsageError } from './subcommands';

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse(args: string[], options: Options, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { root: { type: 'string' }, json: { type: 'boolean' }, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(positionals === 0 ? `unexpected argument "${parsed.positionals[0]}".` : parsed.positionals.length === 0 ? 'which run? Give a run folder or id.' : `one run at a time, not ${parsed.positionals.length}.`);
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
}

export function runsRootOf(values: Record<string, unknown>, io: CliIo): string {
  const root = (values.root as string | undefined) || io.env.GAN_STUDIO_RUNS_ROOT || path.join('.gan-studio', 'runs');
  return path.resolve(io.cwd, root);
}

function requireRoot(root: string): void {
  if (!fs.existsSync(root)) throw new NotFoundError(`${root} does not exist.`, 'Give the runs folder with --root DIR (gan-studio-train --out DIR writes there), or run gan-studio in the folder that holds .gan-studio/runs.');
}

type GoodRun = Extract<RunReadResult, { ok: true }>;

/** A run folder path, an id, or a unique prefix of an id or name in `root`. */
export function resolveRun(spec: string, root: string, cwd: string): GoodRun {
  const direct = path.resolve(cwd, spec);
  let dir: string | undefined;
  if (fs.existsSync(path.join(direct, 'run.json'))) dir = direct;
  else {
    requireRoot(root);
    const dirs = listRunDirs(root);
    const exact = dirs.find((d) => path.basename(d) === spec);
    if (exact) dir = exact;
    else {
      const lower = spec.toLowerCase();
      const matches = dirs.filter((d) => {
        const run = readRun(d);
        return path.basename(d).startsWith(spec) || (run.ok && run.manifest.name.toLowerCase().startsWith(lower));
      });
      if (matches.length > 1) throw new UsageError(`"${spec}" matches ${matches.length} runs: ${matches.map((d) => path.basename(d)).join(', ')}. Give more of the id.`);
      dir = matches[0];
    }
  }
  if (!dir) throw new NotFoundError(`No run "${spec}" in ${root}.`, 'gan-studio runs list shows the runs there; --root DIR looks in another runs folder.');
  const run = readRun(dir);
  if (!run.ok) throw new Error(run.error);
  return run;
}

function statusOf(run: GoodRun): string {
  return run.interrupted ? 'interrupted' : run.manifest.status;
}

function summary(run: GoodRun) {
  const m = run.manifest;
  return {
    id: m.id,
    name: m.name,
    dir: run.dir,
    status: statusOf(run),
    step: m.progress.step,
    totalSteps: m.progress.totalSteps,
    epoch: m.progress.epoch,
    lastMetrics: m.lastMetrics,
    checkpoints: m.checkpoints.map((c) => c.id),
    samples: m.samples.length,
    hostname: m.hostname,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

const num = (v: number | undefined | null) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '-');

export function runsList(args: string[], io: CliIo): number {
  const { values } = parse(args, {}, 0);
  const root = runsRootOf(values, io);
  requireRoot(root);
  const runs = listRunDirs(root).map(readRun);
  if (values.json) {
    io.out(JSON.stringify(runs.map((r) => (r.ok ? summary(r) : { id: path.basename(r.dir), dir: r.dir, status: 'damaged', problem: r.error })), null, 1));
    return CLI_EXIT.ok;
  }
  if (runs.length === 0) {
    io.out(`No runs in ${root}.`);
    return CLI_EXIT.ok;
  }
  const rows = [['ID', 'NAME', 'STATUS', 'STEP', 'LOSS D', 'LOSS G', 'CHECKPOINTS']];
  for (const r of runs) {
    if (!r.ok) rows.push([path.basename(r.dir), '-', 'damaged', '-', '-', '-', r.error]);
    else {
      const m = r.manifest;
      rows.push([m.id, m.name, statusOf(r), `${m.progress.step}/${m.progress.totalSteps}`, num(m.lastMetrics?.lossD), num(m.lastMetrics?.lossG), String(m.checkpoints.length)]);
    }
  }
  io.out(table(rows));
  return CLI_EXIT.ok;
}

export function runsShow(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, {}, 1);
  const run = resolveRun(positionals[0], runsRootOf(values, io), io.cwd);
  const m = run.manifest;
  if (values.json) {
    io.out(JSON.stringify({ dir: run.dir, interrupted: run.interrupted, manifest: m }, null, 1));
    return CLI_EXIT.ok;
  }
  const c = m.config;
  const lines = [
    `${m.name} (${m.id})`,
    `  folder       ${run.dir}`,
    `  status       ${statusOf(run)}${m.error ? `: ${m.error.message}` : ''}`,
    `  progress     step ${m.progress.step}/${m.progress.totalSteps}, epoch ${formatEpochProgress(m.progress.step, m.progress.totalSteps, m.progress.stepsPerEpoch)}, ${Math.round(m.progress.elapsedSec)} s of training`,
    `  last losses  D ${num(m.lastMetrics?.lossD)}  G ${num(m.lastMetrics?.lossG)}  D(x) ${num(m.lastMetrics?.dReal)}  D(G(z)) ${num(m.lastMetrics?.dFake)}`,
    `  config       preset ${c.preset}, ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.learningRate}, latent ${c.latentSize}, width ${c.featureSize}, seed ${c.seed}`,
    `  backend      ${m.backend ? `${m.backend.name} (${m.backend.detail})` : '-'}`,
    `  trained on   ${m.hostname || '-'}, ${m.createdAt}`,
    `  samples      ${m.samples.length}${m.samples.length ? `, last ${m.samples[m.samples.length - 1].file}` : ''}`,
    `  checkpoints  ${m.checkpoints.length ? m.checkpoints.map((k) => k.id).join(', ') : 'none'}`,
  ];
  if (m.parent) lines.push(`  branched     from ${m.parent.runId} at ${m.parent.checkpoint}`);
  io.out(lines.join('\n'));
  return CLI_EXIT.ok;
}

function checkpointOf(manifest: RunManifest, runDir: string, id: string | undefined): { dir: string; id: string } {
  if (manifest.checkpoints.length === 0) throw new NotFoundError(`Run ${manifest.id} has no checkpoints yet.`, 'Each epoch saves one; train or resume the run until it has one.');
  const entry = id === undefined ? manifest.checkpoints[manifest.checkpoints.length - 1] : manifest.checkpoints.find((c) => c.id === id);
  if (!entry) throw new NotFoundError(`Run ${manifest.id} has no checkpoint ${id}.`, `Its checkpoints: ${manifest.checkpoints.map((c) => c.id).join(', ')}.`);
  return { dir: path.join(runDir, 'checkpoints', entry.id), id: entry.id };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'generator';
}

function exportCheckpoint(format: ExportFormat, checkpointDir: string, outDir: string, replace: boolean, title: string) {
  const { manifest, tensors } = loadCheckpoint(checkpointDir);
  const write = format === 'onnx' ? writeOnnxExport : writeTfjsExport;
  return { ...write(outDir, replace, title, manifest, tensors, ganStudioVersion()), latentSize: manifest.config.latentSize };
}

export function runsExport(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { checkpoint: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, replace: { type: 'boolean' } }, 1);
  const format = (values.format as string | undefined) ?? 'onnx';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, not "${format}".`);
  const run = resolveRun(positionals[0], runsRootOf(values, io), io.cwd);
  const checkpoint = checkpointOf(run.manifest, run.dir, values.checkpoint as string | undefined);
  const outDir = path.join(path.resolve(io.cwd, (values.out as string | undefined) ?? '.'), `${slug(run.manifest.name)}-${checkpoint.id}-${format}`);
  const result = exportCheckpoint(format as ExportFormat, checkpoint.dir, outDir, values.replace === true, run.manifest.name);
  if (values.json) io.out(JSON.stringify({ runId: run.manifest.id, checkpoint: checkpoint.id, format, outDir, ...result }, null, 1));
  else io.out(`Exported the generator of ${run.manifest.name} at ${checkpoint.id} (${format}) to ${outDir}: ${result.files.join(', ')}`);
  return CLI_EXIT.ok;
}

export function runsNotebook(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { out: { type: 'string' } }, 1);
  const run = resolveRun(positionals[0], runsRootOf(values, io), io.cwd);
  const folder = values.out === undefined ? undefined : path.resolve(io.cwd, values.out as string);
  const plan = planRunNotebook(run.dir, run.manifest.checkpoints, folder);
  if (plan.onnx) exportCheckpoint('onnx', path.join(run.dir, 'checkpoints', plan.onnx.checkpoint), plan.onnx.dir, true, run.manifest.name);
  const notebook = buildRunNotebook({ runDir: run.dir, runId: run.manifest.id, runName: run.manifest.name, notebookDir: path.dirname(plan.notebookFile), onnxModel: plan.onnx });
  fs.mkdirSync(path.dirname(plan.notebookFile), { recursive: true });
  writeFileAtomic(plan.notebookFile, serializeNotebook(notebook));
  if (values.json) io.out(JSON.stringify({ notebook: plan.notebookFile, onnxModel: plan.onnx?.file ?? null }, null, 1));
  else io.out(`Wrote ${plan.notebookFile}${plan.onnx ? ` and ${plan.onnx.file}` : ' (no checkpoint yet, so no ONNX generator)'}`);
  return CLI_EXIT.ok;
}
