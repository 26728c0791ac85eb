/**
 * Watches a runs root for run folders that appear, change or disappear — also runs written by the
 * CLI or by another VS Code window. Reports the changed run folders, debounced (a quiet moment of
 * `debounceMs`), but never later than `maxWaitMs` after the first change of a batch, so that a
 * trainer appending to metrics.jsonl faster than the debounce is still reported while it runs.
 * Plain Node (no vscode import): the root is watched for new folders and each run folder for its files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Emitter, Event } from 'vscode-jsonrpc';

export interface RunFolderChange {
  /** Run folders whose files changed (or that appeared or disappeared). */
  dirs: string[];
  /** File names that changed, per run folder (e.g. run.json, metrics.jsonl). */
  files: Map<string, Set<string>>;
  /** The runs root itself appeared or was re-watched: read every run again. */
  rescan: boolean;
}

export class RunWatcher {
  private readonly emitter = new Emitter<RunFolderChange>();
  readonly onDidChange: Event<RunFolderChange> = this.emitter.event;
  private rootWatcher: fs.FSWatcher | undefined;
  private readonly runWatchers = new Map<string, fs.FSWatcher>();
  private pending = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  /** When the first change of the batch not yet reported arrived (Date.now()). */
  private batchStart: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    readonly root: string,
    private readonly debounceMs = 150,
    private readonly pollMs = 2000,
    private readonly maxWaitMs = 250,
  ) {
    this.watchRoot();
  }

  private watchRoot(): void {
    if (this.disposed) return;
    if (!fs.existsSync(this.root)) {
      // The runs root appears with the first run; until then look for it now and then.
      this.poll = setTimeout(() => this.watchRoot(), this.pollMs);
      return;
    }
    try {
      this.rootWatcher = fs.watch(this.root, (_event, name) => {
        if (!name || name.startsWith('.')) return;
        const dir = path.join(this.root, name.toString());
        this.syncRunWatcher(dir);
        this.queue(dir, '');
      });
      this.rootWatcher.on('error', () => this.restart());
    } catch {
      this.poll = setTimeout(() => this.watchRoot(), this.pollMs);
      return;
    }
    for (const entry of fs.readdirSync(this.root, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) this.syncRunWatcher(path.join(this.root, entry.name));
    }
    this.queue(this.root, '');
  }

  private restart(): void {
    this.closeAll();
    this.watchRoot();
  }

  private syncRunWatcher(dir: string): void {
    const exists = fs.existsSync(dir) && fs.statSync(dir).isDirectory();
    const current = this.runWatchers.get(dir);
    if (!exists) {
      current?.close();
      this.runWatchers.delete(dir);
      return;
    }
    if (current) return;
    try {
      const watcher = fs.watch(dir, (_event, name) => {
        if (name && !name.toString().startsWith('.')) this.queue(dir, name.toString());
      });
      watcher.on('error', () => {
        watcher.close();
        this.runWatchers.delete(dir);
        this.queue(dir, '');
      });
      this.runWatchers.set(dir, watcher);
    } catch {
      // Vanished between the check and the watch.
    }
  }

  private queue(dir: string, file: string): void {
    if (this.disposed) return;
    const files = this.pending.get(dir) ?? new Set<string>();
    if (file) files.add(file);
    this.pending.set(dir, files);
    const now = Date.now();
    this.batchStart ??= now;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.batchStart + this.maxWaitMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    this.batchStart = undefined;
    const files = this.pending;
    this.pending = new Map();
    const rescan = files.delete(this.root);
    this.emitter.fire({ dirs: [...files.keys()], files, rescan });
  }

  private closeAll(): void {
    this.rootWatcher?.close();
    this.rootWatcher = undefined;
    for (const w of this.runWatchers.values()) w.close();
    this.runWatchers.clear();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearTimeout(this.poll);
    this.closeAll();
    this.emitter.dispose();
  }
}
