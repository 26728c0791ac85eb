/** Reading and writing a run's notes.json (tags and a note), atomically. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from './atomicFile';
import { EMPTY_NOTES, normaliseTags, NOTES_FILE, parseRunNotes, RunNotes } from '../protocol/runNotes';

export function readRunNotes(runDir: string): RunNotes {
  try {
    return parseRunNotes(JSON.parse(fs.readFileSync(path.join(runDir, NOTES_FILE), 'utf8')));
  } catch {
    return { ...EMPTY_NOTES };
  }
}

/** Changes tags and/or the note; the other keeps its value. Atomic: readers see old or new. */
export function writeRunNotes(runDir: string, change: Partial<RunNotes>): RunNotes {
  const current = readRunNotes(runDir);
  const next: RunNotes = {
    tags: change.tags !== undefined ? normaliseTags(change.tags) : current.tags,
    note: change.note !== undefined ? change.note : current.note,
  };
  writeJsonAtomic(path.join(runDir, NOTES_FILE), next);
  return next;
}
