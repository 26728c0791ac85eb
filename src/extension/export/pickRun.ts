/**
 * The run a command acts on: the tree item or folder it was invoked on, else one the user picks
 * from the runs that have a run.json (shared by Export Run Report and Open Run in Notebook).
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { RunStore, RunSummary } from '../runs/runStore';

export async function pickRun(store: RunStore, target: unknown, words: { none: string; placeHolder: string }): Promise<RunSummary | undefined> {
  const dir = typeof target === 'string' ? target : (target as { dir?: unknown } | undefined)?.dir;
  if (typeof dir === 'string') {
    if (!store.get(dir) && fs.existsSync(dir)) store.refresh([dir]);
    return store.get(dir);
  }
  const runs = store.list().filter((r) => r.manifest);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(words.none);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: r.manifest!.name, description: r.id, run: r })),
    { placeHolder: words.placeHolder },
  );
  return picked?.run;
}
