/** "Edit Tags and Note…" on a run in the Runs tree: the same notes.json the runs table edits. */
import * as vscode from 'vscode';
import { readRunNotes, writeRunNotes } from '../../common/runNotesFile';
import type { RunStore } from './runStore';

export const COMMAND_EDIT_RUN_NOTES = 'ganStudio.editRunNotes';

export function registerRunNotesCommand(store: RunStore): vscode.Disposable {
  return vscode.commands.registerCommand(COMMAND_EDIT_RUN_NOTES, async (target?: { dir: string } | string) => {
    const dir = typeof target === 'string' ? target : target?.dir;
    const run = dir ? store.get(dir) : undefined;
    if (!run?.manifest) {
      void vscode.window.showInformationMessage('Choose a run in the Runs view, then “Edit Tags and Note…”.');
      return;
    }
    const current = readRunNotes(run.dir);
    const tags = await vscode.window.showInputBox({
      title: `Tags of “${run.manifest.name}”`,
      prompt: 'Comma-separated, e.g. baseline, lr-sweep (stored in the run folder’s notes.json)',
      value: current.tags.join(', '),
    });
    if (tags === undefined) return;
    const note = await vscode.window.showInputBox({ title: `Note on “${run.manifest.name}”`, prompt: 'Free text; empty for none', value: current.note });
    if (note === undefined) return;
    writeRunNotes(run.dir, { tags: tags.split(','), note });
    store.refresh([run.dir]);
  });
}
