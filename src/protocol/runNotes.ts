/**
 * Tags and a note on a run, kept in `<run>/notes.json` (docs/run-format.md): written by the runs
 * table and the Runs tree, never by the trainer, so editing them cannot race a running trainer's
 * run.json. Pure: the file's shape and its validation.
 */
export const NOTES_FILE = 'notes.json';

export interface RunNotes {
  /** Short labels, lower-case, unique, in the order given: ["baseline", "lr-sweep"]. */
  tags: string[];
  /** Free text. */
  note: string;
}

export const EMPTY_NOTES: RunNotes = { tags: [], note: '' };

/** "Baseline, lr sweep,  baseline" -> ["baseline", "lr-sweep"]: trimmed, lower-case, spaces to dashes, unique. */
export function normaliseTags(input: string | readonly string[]): string[] {
  const parts = typeof input === 'string' ? input.split(/[,;\n]/) : input;
  const out: string[] = [];
  for (const part of parts) {
    const tag = part.trim().toLowerCase().replace(/\s+/g, '-').slice(0, 40);
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

/** Reads a parsed notes.json; anything malformed becomes empty rather than hiding the run. */
export function parseRunNotes(value: unknown): RunNotes {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ...EMPTY_NOTES };
  const v = value as Record<string, unknown>;
  const tags = Array.isArray(v.tags) ? normaliseTags(v.tags.filter((t): t is string => typeof t === 'string')) : [];
  return { tags, note: typeof v.note === 'string' ? v.note : '' };
}
