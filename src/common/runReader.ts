/**
 * Reading run folders (docs/run-format.md). Used by the trainer to resume and by the extension
 * host for the Runs tree and the dashboard, so a run from the CLI and one from the palette read the
 * same. Never throws for a damaged run: the problem is reported in the result.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from './processes';
import { liveOwner } from './runLock';
import {
  CHECKPOINT_MANIFEST,
  CHECKPOINTS_DIR,
  CheckpointManifest,
  isStaleRunning,
  LOCK_FILE,
  METRICS_FILE,
  MetricRecord,
  parseCheckpointManifest,
  parseMetricsLines,
  parseRunManifest,
  RUN_MANIFEST,
  RunManifest,
} from '../protocol/runFormat';

export type RunReadResult =
  | { ok: true; dir: string; manifest: RunManifest; /** The manifest says running but its trainer is gone. */ interrupted: boolean }
  | { ok: false; dir: string; error: string };

export { isProcessAlive };

export function readRun(dir: string): RunReadResult {
  const file = path.join(dir, RUN_MANIFEST);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, dir, error: `Cannot read ${file}: ${(error as Error).message}` };
  }
  try {
    const manifest = parseRunManifest(JSON.parse(text), file);
    // A run of this version has trainer.lock while it runs: its owner (pid, process start time,
    // heartbeat) says whether the trainer still lives. Older runs: the manifest's pid.
    const lockFile = path.join(dir, LOCK_FILE);
    const interrupted =
      manifest.status === 'running' && fs.existsSync(lockFile) ? !liveOwner(dir) : isStaleRunning(manifest, isProcessAlive, os.hostname());
    return { ok: true, dir, manifest, interrupted };
  } catch (error) {
    return { ok: false, dir, error: `${file} is damaged: ${(error as Error).message}` };
  }
}

/** Every folder under the runs root that holds a run.json, newest first. */
export function listRunDirs(runsRoot: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(runsRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(path.join(runsRoot, e.name, RUN_MANIFEST)))
    .map((e) => path.join(runsRoot, e.name))
    .sort()
    .reverse();
}

export function readMetrics(dir: string): { records: MetricRecord[]; badLines: number[] } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, METRICS_FILE), 'utf8');
  } catch {
    return { records: [], badLines: [] };
  }
  return parseMetricsLines(text);
}

export function checkpointDir(runDir: string, id: string): string {
  return path.join(runDir, CHECKPOINTS_DIR, id);
}

export function readCheckpointManifest(dir: string): CheckpointManifest {
  const file = path.join(dir, CHECKPOINT_MANIFEST);
  return parseCheckpointManifest(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}
