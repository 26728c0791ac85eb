/**
 * The runs under the runs root, read from their folders (the source of truth) and kept up to date
 * by a RunWatcher. Plain Node: shared by the tree, the dashboard and the commands.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Emitter, Event } from 'vscode-jsonrpc';
import * as os from 'node:os';
import { isProcessAlive, listRunDirs, readRun } from '../../common/runReader';
import { isStaleRunning, RunManifest } from '../../protocol/runFormat';
import { NOTES_FILE, RunNotes } from '../../protocol/runNotes';
import { readRunNotes } from '../../common/runNotesFile';
import { RunFolderChange, RunWatcher } from './runWatcher';

export interface RunSummary {
  dir: string;
  /** The run id, or the folder name when the manifest cannot be read. */
  id: string;
  manifest?: RunManifest;
  /** Why the manifest could not be read. */
  loadError?: string;
  /** The manifest says running but its trainer process is gone. */
  interrupted: boolean;
  /** Orders runs: the creation time, or the folder's modification time when the manifest is unreadable. */
  sortKey: string;
  /** Tags and note from notes.json (absent when the run has none). */
  notes?: RunNotes;
}

/** How often runs that say "running" are checked for a trainer or logger that is gone. */
export const STALE_CHECK_MS = 5000;

export interface RunStoreChange {
  changed: RunSummary[];
  removed: string[];
  /** Files that changed in each run folder (from the watcher), e.g. metrics.jsonl. */
  files: Map<string, Set<string>>;
}

function summarize(dir: string): RunSummary | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const result = readRun(dir);
  return result.ok
    ? { dir, id: result.manifest.id, manifest: result.manifest, interrupted: result.interrupted, sortKey: result.manifest.createdAt, ...notesOf(dir) }
    : { dir, id: path.basename(dir), loadError: result.error, interrupted: false, sortKey: fs.statSync(dir).mtime.toISOString() };
}

function notesOf(dir: string): { notes?: RunNotes } {
  return fs.existsSync(path.join(dir, NOTES_FILE)) ? { notes: readRunNotes(dir) } : {};
}

export class RunStore {
  private readonly emitter = new Emitter<RunStoreChange>();
  readonly onDidChange: Event<RunStoreChange> = this.emitter.event;
  private runs = new Map<string, RunSummary>();
  private watcher: RunWatcher | undefined;
  private staleTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private rootDir: string,
    private readonly watch = true,
  ) {
    this.open();
  }

  get root(): string {
    return this.rootDir;
  }

  setRoot(root: string): void {
    if (path.resolve(root) === path.resolve(this.rootDir)) return;
    this.watcher?.dispose();
    const removed = [...this.runs.keys()];
    this.runs.clear();
    this.rootDir = root;
    this.open();
    this.emitter.fire({ changed: this.list(), removed, files: new Map() });
  }

  private open(): void {
    for (const dir of listRunDirs(this.rootDir)) {
      const s = summarize(dir);
      if (s) this.runs.set(dir, s);
    }
    if (this.watch) {
      this.watcher = new RunWatcher(this.rootDir);
      this.watcher.onDidChange((change) => this.onFolders(change));
      // A killed trainer or logger changes no file: look at the runs that say "running" now and then.
      this.staleTimer ??= setInterval(() => this.checkStale(), STALE_CHECK_MS);
      this.staleTimer.unref?.();
    }
  }

  /** Re-reads the runs whose manifest says running but whose trainer or heartbeat is gone (killed, crashed). */
  checkStale(now = Date.now()): void {
    const stale = [...this.runs.values()]
      .filter((r) => r.manifest && r.manifest.status === 'running' && !r.interrupted && isStaleRunning(r.manifest, isProcessAlive, os.hostname(), now))
      .map((r) => r.dir);
    if (stale.length > 0) this.refresh(stale);
  }

  private onFolders(change: RunFolderChange): void {
    if (change.rescan) this.refresh();
    else this.refresh(change.dirs, change.files);
  }

  /** Newest first. */
  list(): RunSummary[] {
    return [...this.runs.values()].sort((a, b) => b.sortKey.localeCompare(a.sortKey));
  }

  get(dir: string): RunSummary | undefined {
    return this.runs.get(dir);
  }

  findById(id: string): RunSummary | undefined {
    return this.list().find((r) => r.id === id);
  }

  /** Re-reads the given run folders (all of them when omitted) and reports what changed. */
  refresh(dirs?: string[], files: Map<string, Set<string>> = new Map()): void {
    const targets = dirs ?? [...new Set([...this.runs.keys(), ...listRunDirs(this.rootDir)])];
    const changed: RunSummary[] = [];
    const removed: string[] = [];
    for (const dir of targets) {
      const summary = summarize(dir);
      if (!summary || !fs.existsSync(path.join(dir, 'run.json'))) {
        if (this.runs.delete(dir)) removed.push(dir);
        continue;
      }
      this.runs.set(dir, summary);
      changed.push(summary);
    }
    if (changed.length > 0 || removed.length > 0 || files.size > 0) this.emitter.fire({ changed, removed, files });
  }

  dispose(): void {
    if (this.staleTimer) clearInterval(this.staleTimer);
    this.watcher?.dispose();
    this.emitter.dispose();
  }
}
