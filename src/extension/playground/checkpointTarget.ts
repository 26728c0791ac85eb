/**
 * Which checkpoint a playground or export command is about: a checkpoint in the Runs tree, a
 * checkpoint folder path (from the inspector or a keybinding), or, from the palette, one the user
 * picks. Also the names shown for it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkpointDir, readRun } from '../../common/runReader';
import { CHECKPOINTS_DIR } from '../../protocol/runFormat';
import { formatStepEpoch } from '../../protocol/steps';
import type { RunStore } from '../runs/runStore';
import type { RunsNode } from '../runs/runsTreeProvider';

export interface CheckpointTarget {
  /** The checkpoint folder. */
  dir: string;
  runDir: string;
  id: string;
  runName: string;
  step: number | undefined;
  epoch: number | undefined;
}

/** The run folder and checkpoint id of `<run>/checkpoints/<id>`. */
export function describeCheckpoint(dir: string, store: RunStore): CheckpointTarget {
  const id = path.basename(dir);
  const runDir = path.basename(path.dirname(dir)) === CHECKPOINTS_DIR ? path.dirname(path.dirname(dir)) : path.dirname(dir);
  const manifest = store.get(runDir)?.manifest ?? (() => {
    const read = readRun(runDir);
    return read.ok ? read.manifest : undefined;
  })();
  const entry = manifest?.checkpoints.find((c) => c.id === id);
  return { dir, runDir, id, runName: manifest?.name ?? path.basename(runDir), step: entry?.step, epoch: entry?.epoch };
}

export async function resolveCheckpoint(target: unknown, store: RunStore, placeHolder: string): Promise<CheckpointTarget | undefined> {
  if (typeof target === 'string') return describeCheckpoint(target, store);
  if (target instanceof vscode.Uri) return describeCheckpoint(target.fsPath, store);
  const node = target as RunsNode | undefined;
  if (node && node.kind === 'checkpoint') return describeCheckpoint(checkpointDir(node.dir, node.id), store);
  const items = store.list().flatMap((run) =>
    run.manifest
      ? [...run.manifest.checkpoints].reverse().map((c) => ({
          label: `${run.manifest!.name}: ${formatStepEpoch(c.step, run.manifest!.progress.stepsPerEpoch)}`,
          description: `${c.reason === 'epoch' ? '' : `${c.reason} · `}${run.id}`,
          dir: checkpointDir(run.dir, c.id),
        }))
      : [],
  );
  if (items.length === 0) {
    void vscode.window.showInformationMessage('There is no checkpoint yet. Checkpoints are saved at the end of each epoch and when a run stops; run “GAN Studio: Train GAN” first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    items.filter((i) => fs.existsSync(i.dir)),
    { placeHolder, matchOnDescription: true },
  );
  return picked ? describeCheckpoint(picked.dir, store) : undefined;
}

export function checkpointLabel(target: CheckpointTarget): string {
  return target.step !== undefined ? `${target.runName} @ step ${target.step}` : `${target.runName} @ ${target.id}`;
}
