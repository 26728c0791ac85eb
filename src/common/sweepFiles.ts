/**
 * Sweep manifests on disk: `<runs root>/sweeps/<sweep id>/sweep.json` (docs/run-format.md,
 * "Sweeps"), written atomically. Shared by the extension and `gan-studio sweep`; no vscode import.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeDir, writeJsonAtomic } from './atomicFile';
import { isProcessAlive } from './runReader';
import { newSweepManifest, parseSweepManifest, SweepManifest, SweepPlan, sweepId, SWEEP_MANIFEST, SWEEPS_DIR } from '../protocol/sweepFormat';

export function sweepsDir(runsRoot: string): string {
  return path.join(runsRoot, SWEEPS_DIR);
}

export function sweepDir(runsRoot: string, id: string): string {
  return path.join(runsRoot, SWEEPS_DIR, id);
}

export function sweepFile(runsRoot: string, id: string): string {
  return path.join(sweepDir(runsRoot, id), SWEEP_MANIFEST);
}

export function readSweep(runsRoot: string, id: string): SweepManifest {
  const file = sweepFile(runsRoot, id);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`There is no sweep "${id}" in ${runsRoot} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}).`);
  }
  const manifest = parseSweepManifest(value, file);
  // The folder names the sweep: a manifest that names another place is not followed (every write goes to sweepDir(root, manifest.id)).
  if (manifest.id !== id) throw new Error(`${file}: "id" is ${JSON.stringify(manifest.id)}, not the folder's name "${id}"; rename one to match.`);
  return manifest;
}

export function writeSweep(runsRoot: string, manifest: SweepManifest): void {
  makeDir(sweepDir(runsRoot, manifest.id));
  writeJsonAtomic(sweepFile(runsRoot, manifest.id), { ...manifest, updatedAt: new Date().toISOString() });
}

/** Creates the folder and manifest of a new sweep (every member pending). */
export function createSweep(runsRoot: string, plan: SweepPlan, source: string | null, now = new Date()): SweepManifest {
  let id = sweepId(now, plan.name);
  for (let n = 2; fs.existsSync(sweepDir(runsRoot, id)); n++) id = `${sweepId(now, plan.name)}-${n}`;
  const manifest = newSweepManifest(id, plan, source, now);
  writeSweep(runsRoot, manifest);
  return manifest;
}

export type SweepListEntry = { id: string; dir: string; manifest: SweepManifest } | { id: string; dir: string; error: string };

/** Every sweep under the runs root, newest first; damaged ones with the problem. */
export function listSweeps(runsRoot: string): SweepListEntry[] {
  let names: string[];
  try {
    names = fs
      .readdirSync(sweepsDir(runsRoot), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && fs.existsSync(path.join(sweepsDir(runsRoot), e.name, SWEEP_MANIFEST)))
      .map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .sort()
    .reverse()
    .map((id) => {
      try {
        return { id, dir: sweepDir(runsRoot, id), manifest: readSweep(runsRoot, id) };
      } catch (error) {
        return { id, dir: sweepDir(runsRoot, id), error: (error as Error).message };
      }
    });
}

/** The process that drives the sweep now, when it is alive (on this machine) and not this one. */
export function liveSweepOwner(manifest: SweepManifest, alive: (pid: number) => boolean = isProcessAlive): SweepManifest['owner'] {
  const owner = manifest.owner;
  if (!owner || manifest.state !== 'running') return null;
  if (owner.hostname !== os.hostname()) return owner;
  return owner.pid !== process.pid && alive(owner.pid) ? owner : null;
}
