/**
 * The run folder validator: says exactly what is wrong with a run folder written by someone else
 * (the Python or JavaScript logger, or a script of one's own), each problem with the file, the
 * field and the fix. Pure: it reads the folder through a RunFolderReader (src/common/runCheckFs.ts
 * reads a real one), so it runs on in-memory folders in tests.
 */
import { CONFIG_FIELDS, IMAGE_SIZE, resolveConfig } from './experimentConfig';
import { detectGrid } from './gridLayout';
import {
  CHECKPOINT_MANIFEST,
  CHECKPOINT_TENSORS,
  CHECKPOINTS_DIR,
  checkpointId,
  METRICS_FILE,
  parseCheckpointManifest,
  REAL_GRID_FILE,
  RUN_FORMAT_VERSION,
  RUN_MANIFEST,
  RUN_STATUSES,
  sampleFileName,
} from './runFormat';

export interface RunFolderReader {
  /** The folder's name (the run id it should match). */
  name: string;
  /** File contents, or undefined when the file does not exist. `file` is relative, with `/`. */
  read(file: string): Uint8Array | undefined;
  /** The same file decoded as UTF-8 text (JSON and JSON Lines files). */
  readText(file: string): string | undefined;
  /** Names in a folder (relative path, '' for the run folder); empty when it does not exist. */
  list(dir: string): string[];
}

export type Severity = 'error' | 'warning';

export interface RunProblem {
  severity: Severity;
  /** Relative to the run folder, e.g. "run.json" or "metrics.jsonl:12". */
  file: string;
  /** The JSON field, e.g. "progress.step"; empty when the problem is the whole file. */
  field: string;
  message: string;
  fix: string;
}

const MAX_LINE_PROBLEMS = 5;
const DOCS = 'docs/run-format.md';

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNumber(v) && Number.isInteger(v);
const isIso = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Date.parse(v));

/** Width, height, bit depth and colour type of a PNG, from its IHDR chunk. */
export function pngHeader(bytes: Uint8Array): { width: number; height: number; depth: number; color: number } | undefined {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || sig.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24], color: bytes[25] };
}

class Problems {
  readonly list: RunProblem[] = [];
  error(file: string, field: string, message: string, fix: string): void {
    this.list.push({ severity: 'error', file, field, message, fix });
  }
  warning(file: string, field: string, message: string, fix: string): void {
    this.list.push({ severity: 'warning', file, field, message, fix });
  }
}

/** Every problem found in the run folder; an empty list means GAN Studio reads all of it. */
export function checkRunFolder(folder: RunFolderReader): RunProblem[] {
  const p = new Problems();
  const raw = folder.readText(RUN_MANIFEST);
  if (!raw) {
    p.error(RUN_MANIFEST, '', 'is missing: this is not a run folder', `Write run.json as described in ${DOCS} (the gan_studio.py logger does it), or point at a folder that holds one.`);
    return p.list;
  }
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch (error) {
    p.error(RUN_MANIFEST, '', `is not valid JSON (${(error as Error).message})`, 'Write it with json.dump / JSON.stringify, to a temporary file renamed over run.json, so that a reader never sees half of it.');
    return p.list;
  }
  if (!isRecord(m)) {
    p.error(RUN_MANIFEST, '', 'is not a JSON object', `run.json must be an object with the fields in ${DOCS}.`);
    return p.list;
  }
  checkManifest(folder, m, p);
  checkMetrics(folder, m, p);
  checkSamples(folder, m, p);
  checkCheckpoints(folder, m, p);
  for (const name of folder.list('')) {
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      p.warning(name, '', 'is a temporary file left by an interrupted write', 'Delete it; readers ignore it.');
    }
  }
  return p.list;
}

function checkManifest(folder: RunFolderReader, m: Record<string, unknown>, p: Problems): void {
  const f = RUN_MANIFEST;
  if (!isNumber(m.formatVersion)) p.error(f, 'formatVersion', 'should be a number', `Set "formatVersion": ${RUN_FORMAT_VERSION}.`);
  else if (m.formatVersion > RUN_FORMAT_VERSION) p.error(f, 'formatVersion', `is ${m.formatVersion}, newer than this GAN Studio reads (${RUN_FORMAT_VERSION})`, 'Update GAN Studio, or write format 1.');
  if (typeof m.id !== 'string' || m.id === '') p.error(f, 'id', 'should be a non-empty string', `Set "id" to the folder's name, "${folder.name}".`);
  else if (m.id !== folder.name) p.warning(f, 'id', `is "${m.id}" but the folder is "${folder.name}"`, 'Name the folder after the id (the Runs view and the run-picking commands key on it).');
  if (typeof m.name !== 'string' || m.name.trim() === '') p.error(f, 'name', 'should be a non-empty string', 'Set "name" to the name the Runs view shows.');
  if (!RUN_STATUSES.includes(m.status as never)) p.error(f, 'status', `should be one of ${RUN_STATUSES.join(', ')}, not ${JSON.stringify(m.status)}`, 'Write "running" while training and "completed", "stopped" or "failed" at the end.');
  if (!isRecord(m.config)) {
    p.error(f, 'config', 'should be an object', 'Write a GAN Studio config (src/protocol/experimentConfig.ts); the Python logger maps your own config onto one and keeps yours in external.userConfig.');
  } else {
    for (const problem of resolveConfig(m.config).problems) {
      const known = problem.key in CONFIG_FIELDS;
      p.error(
        f,
        `config${problem.key ? `.${problem.key}` : ''}`,
        problem.message,
        known ? `Fix the value (${CONFIG_FIELDS[problem.key as keyof typeof CONFIG_FIELDS].doc})` : 'Remove the key from "config"; keep your own settings in external.userConfig.',
      );
    }
  }
  for (const key of ['createdAt', 'startedAt', 'updatedAt'] as const) {
    if (!isIso(m[key])) p.error(f, key, 'should be an ISO 8601 date string', `Write new Date().toISOString() / datetime.now(timezone.utc).isoformat().`);
  }
  if (m.endedAt !== null && m.endedAt !== undefined && !isIso(m.endedAt)) p.error(f, 'endedAt', 'should be an ISO 8601 date string or null', 'Write null while running and the end time afterwards.');
  if (!isRecord(m.progress)) {
    p.error(f, 'progress', 'should be an object', 'Write { step, epoch, totalSteps, stepsPerEpoch, imagesPerSec, etaSec, elapsedSec }.');
  } else {
    for (const key of ['step', 'epoch', 'totalSteps', 'stepsPerEpoch', 'elapsedSec']) {
      if (!isNumber(m.progress[key])) p.error(f, `progress.${key}`, 'should be a number', 'The Runs view and the dashboard header show it; write a number (0 when unknown).');
    }
    for (const key of ['imagesPerSec', 'etaSec']) {
      if (m.progress[key] !== null && !isNumber(m.progress[key])) p.error(f, `progress.${key}`, 'should be a number or null', 'Write null when unknown.');
    }
    if (isNumber(m.progress.step) && isNumber(m.progress.totalSteps) && m.progress.step > m.progress.totalSteps) {
      p.warning(f, 'progress.totalSteps', `is ${m.progress.totalSteps}, below progress.step (${m.progress.step})`, 'Write the planned number of iterations (at least the steps done); the progress bar overflows otherwise.');
    }
  }
  if (m.pid !== null && !isInt(m.pid)) p.error(f, 'pid', 'should be an integer or null', "Write the training process's id while running, null when it ended.");
  if (m.status === 'running' && m.pid === null) p.warning(f, 'pid', 'is null while status is running, so the run shows as interrupted', "Write the training process's id (os.getpid()) while it runs.");
  if (m.status === 'failed' && !(isRecord(m.error) && typeof m.error.message === 'string')) {
    p.warning(f, 'error', 'should say why the run failed', 'Write { "message": "...", "hint": "..." } with status "failed".');
  }
  if (m.lastMetrics !== null && m.lastMetrics !== undefined && !(isRecord(m.lastMetrics) && isNumber(m.lastMetrics.lossD) && isNumber(m.lastMetrics.lossG))) {
    p.error(f, 'lastMetrics', 'should be null or { step, lossD, lossG, dReal, dFake } with numbers', 'Copy the last record of metrics.jsonl, or write null.');
  }
  if (m.external !== undefined) {
    const x = m.external;
    if (!isRecord(x)) {
      p.error(f, 'external', 'should be an object', `See "External runs" in ${DOCS}.`);
    } else {
      if (typeof x.logger !== 'string') p.error(f, 'external.logger', 'should name the logger', 'Write e.g. "gan_studio.py".');
      if (!isNumber(x.heartbeatSec) || x.heartbeatSec <= 0) {
        p.error(f, 'external.heartbeatSec', 'should be a positive number', 'Write how often (seconds) the logger rewrites run.json while the script runs; GAN Studio shows the run as interrupted after 3 missed heartbeats.');
      }
      if (x.imageSize !== null && x.imageSize !== undefined && !(isInt(x.imageSize) && x.imageSize > 0)) p.error(f, 'external.imageSize', 'should be a positive integer or null', 'Write the side of one generated image in pixels.');
      if (x.realCount !== null && x.realCount !== undefined && !(isInt(x.realCount) && x.realCount > 0)) p.error(f, 'external.realCount', 'should be a positive integer or null', 'Write how many images the real grid holds.');
    }
  }
  if (!Array.isArray(m.samples)) p.error(f, 'samples', 'should be an array', 'Write [] and add { step, epoch, file, time } for every grid.');
  if (!Array.isArray(m.checkpoints)) p.error(f, 'checkpoints', 'should be an array', 'Write [] and add { id, step, epoch, reason, time } for every checkpoint.');
}

function checkMetrics(folder: RunFolderReader, m: Record<string, unknown>, p: Problems): void {
  const raw = folder.readText(METRICS_FILE);
  if (!raw) {
    if (isRecord(m.progress) && isNumber(m.progress.step) && m.progress.step > 0) {
      p.warning(METRICS_FILE, '', 'is missing, so the dashboard has no curves', 'Append one JSON object per logged iteration (run.log(...) in the Python logger).');
    }
    return;
  }
  const lines = raw.split('\n');
  let reported = 0;
  let previous = -Infinity;
  let unordered = false;
  const report = (line: number, field: string, message: string, fix: string) => {
    if (reported++ < MAX_LINE_PROBLEMS) p.error(`${METRICS_FILE}:${line}`, field, message, fix);
  };
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      if (index === lines.length - 1) p.warning(`${METRICS_FILE}:${index + 1}`, '', 'the last line is cut off (the writer was interrupted mid-append)', 'Nothing to do: readers skip a torn last line. End every record with a newline.');
      else report(index + 1, '', 'is not valid JSON', 'Write one JSON object per line (json.dumps(record) + "\\n"), NaN and Infinity excluded.');
      return;
    }
    if (!isRecord(rec)) return report(index + 1, '', 'is not a JSON object', 'Write one object per line.');
    for (const key of ['step', 'lossD', 'lossG']) {
      if (!isNumber(rec[key])) report(index + 1, key, `should be a number, not ${JSON.stringify(rec[key])}`, key === 'step' ? 'Write the global iteration (0-based).' : 'Pass loss_d and loss_g to every log call; records without them are dropped.');
    }
    for (const key of ['epoch', 'batch', 'dReal', 'dFake', 'dFakeAfter', 'imagesPerSec', 'elapsedSec', 'time']) {
      if (rec[key] !== undefined && rec[key] !== null && !isNumber(rec[key])) report(index + 1, key, `should be a number or null, not ${JSON.stringify(rec[key])}`, 'Write a number, or null when you do not measure it.');
    }
    if (isNumber(rec.step)) {
      if (rec.step <= previous) unordered = true;
      previous = rec.step;
    }
  });
  if (reported > MAX_LINE_PROBLEMS) p.error(METRICS_FILE, '', `has ${reported - MAX_LINE_PROBLEMS} more bad lines`, 'Fix the writer; the lines above show the pattern.');
  if (unordered) p.warning(METRICS_FILE, 'step', 'steps do not increase from line to line', 'Log each iteration once, in order; the charts draw records in file order.');
}

function checkSamples(folder: RunFolderReader, m: Record<string, unknown>, p: Problems): void {
  const external = isRecord(m.external) ? m.external : undefined;
  const imageSize = external && isInt(external.imageSize) ? external.imageSize : isRecord(m.config) && isInt(m.config.imageSize) ? m.config.imageSize : IMAGE_SIZE;
  const sampleCount = isRecord(m.config) && isInt(m.config.sampleCount) ? m.config.sampleCount : 64;
  const realCount = external && isInt(external.realCount) ? external.realCount : sampleCount;
  const colour = !external && isRecord(m.config) && (m.config.channels === 3 || (m.config.dataset === 'cifar10' && (m.config.channels ?? null) === null));
  const checkGrid = (file: string, field: string, count: number) => {
    const bytes = folder.read(file);
    if (!bytes) {
      p.error(file, field, 'is missing', 'Write the PNG before listing it in run.json (run.log_grid does both).');
      return;
    }
    const header = pngHeader(bytes);
    if (!header) return p.error(file, field, 'is not a PNG file', 'Write an 8-bit grayscale PNG.');
    if (colour && (header.depth !== 8 || header.color !== 2)) {
      p.error(file, field, `is a ${header.depth}-bit PNG of colour type ${header.color}, not 8-bit RGB`, 'A 3-channel run (config.channels 3) writes its grids as 8-bit RGB PNGs (colour type 2).');
    } else if (!colour && (header.depth !== 8 || header.color !== 0)) {
      p.error(file, field, `is a ${header.depth}-bit PNG of colour type ${header.color}, not 8-bit grayscale`, 'Save it as 8-bit grayscale ("L" in Pillow); the grid inspector reads only those.');
    }
    if (!detectGrid(header.width, header.height, imageSize, count)) {
      p.error(
        file,
        field,
        `is ${header.width}x${header.height} pixels, which is not a grid of ${count} images of ${imageSize}x${imageSize} with 2 pixels of padding`,
        external
          ? 'Lay it out like torchvision.utils.make_grid(images, padding=2) (run.log_grid does), and keep config.sampleCount, external.imageSize and external.realCount true.'
          : 'Write grids like torchvision.utils.make_grid(images, nrow=8, padding=2).',
      );
    }
  };
  if (Array.isArray(m.samples)) {
    let previous = -Infinity;
    m.samples.forEach((s, i) => {
      const field = `samples[${i}]`;
      if (!isRecord(s) || !isInt(s.step) || !isNumber(s.epoch) || typeof s.file !== 'string' || !isIso(s.time)) {
        p.error(RUN_MANIFEST, field, 'should be { step, epoch, file, time } (integer step, number epoch, relative file, ISO time)', 'Fix the entry, or let run.log_grid write it.');
        return;
      }
      if (s.step <= previous) p.error(RUN_MANIFEST, `${field}.step`, 'samples are not in increasing step order', 'Sort "samples" by step, one entry per step.');
      previous = s.step;
      if (s.file !== sampleFileName(s.step)) {
        p.warning(RUN_MANIFEST, `${field}.file`, `is "${s.file}", not "${sampleFileName(s.step)}"`, 'Name grids samples/step-NNNNNN.grid.png: the grid inspector opens *.grid.png and reads the step from the name.');
      }
      checkGrid(s.file, field, sampleCount);
    });
  }
  if (folder.read(REAL_GRID_FILE)) checkGrid(REAL_GRID_FILE, '', realCount);
  else p.warning(REAL_GRID_FILE, '', 'is missing, so the dashboard cannot show real next to generated images', 'Log a batch of training images once (run.log_real_grid(images)).');
}

function checkCheckpoints(folder: RunFolderReader, m: Record<string, unknown>, p: Problems): void {
  if (!Array.isArray(m.checkpoints)) return;
  const external = m.external !== undefined;
  m.checkpoints.forEach((c, i) => {
    const field = `checkpoints[${i}]`;
    if (!isRecord(c) || typeof c.id !== 'string' || !isInt(c.step) || !isNumber(c.epoch) || !['epoch', 'request', 'stop', 'final'].includes(c.reason as string)) {
      p.error(RUN_MANIFEST, field, 'should be { id, step, epoch, reason, time } with reason epoch, request, stop or final', 'Fix the entry, or let run.checkpoint write it.');
      return;
    }
    if (c.id !== checkpointId(c.step)) p.warning(RUN_MANIFEST, `${field}.id`, `is "${c.id}", not "${checkpointId(c.step)}"`, 'Name checkpoint folders step-NNNNNN after the iterations completed.');
    const dir = `${CHECKPOINTS_DIR}/${c.id}`;
    const file = `${dir}/${CHECKPOINT_MANIFEST}`;
    const raw = folder.readText(file);
    if (!raw) return p.error(file, '', 'is missing', 'Write the checkpoint folder under a temporary name and rename it when checkpoint.json is in it.');
    let ckpt: ReturnType<typeof parseCheckpointManifest>;
    try {
      ckpt = parseCheckpointManifest(JSON.parse(raw), file);
    } catch (error) {
      return p.error(file, '', (error as Error).message.replace(`${file}: `, ''), `Write the fields in ${DOCS} ("Checkpoints"); an external checkpoint has "tensors": [] and "rng": [].`);
    }
    if (ckpt.generator) {
      if (ckpt.generator.format !== 'onnx' || typeof ckpt.generator.file !== 'string') {
        p.error(file, 'generator', 'should be { "format": "onnx", "file": "generator.onnx", "latentSize": N }', 'Fix it, or let run.checkpoint(step, generator_onnx=path) write it.');
      } else if (!folder.read(`${dir}/${ckpt.generator.file}`)) {
        p.error(`${dir}/${ckpt.generator.file}`, '', 'is missing (checkpoint.json names it)', 'Copy the exported ONNX generator into the checkpoint folder.');
      }
    }
    if (!external && ckpt.tensors.length > 0) {
      const bin = folder.read(`${dir}/${CHECKPOINT_TENSORS}`);
      const need = Math.max(...ckpt.tensors.map((t) => t.offset + t.length));
      if (!bin) p.error(`${dir}/${CHECKPOINT_TENSORS}`, '', 'is missing', 'The checkpoint is incomplete; delete it and save another.');
      else if (bin.length < need) p.error(`${dir}/${CHECKPOINT_TENSORS}`, '', `has ${bin.length} bytes, checkpoint.json needs ${need}`, 'The checkpoint is truncated; delete it and save another.');
    }
  });
}

/** One problem as a line of text: `error  run.json  progress.step: should be a number. Fix: ...` */
export function formatProblem(problem: RunProblem): string {
  return `${problem.severity === 'error' ? 'error  ' : 'warning'}  ${problem.file}${problem.field ? `  ${problem.field}` : ''}: ${problem.message}.\n           Fix: ${problem.fix}`;
}
