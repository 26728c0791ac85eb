/**
 * One trainer per run folder: `trainer.lock` (docs/run-format.md) names the process that writes
 * the run. It is created exclusively (O_EXCL), so of two trainers that open the same run at once
 * exactly one wins; the other is refused with the owner's pid and host. An owner that is gone is
 * detected and its lock taken over: on this machine by its pid and the process's start time (a
 * reused pid does not count), on another machine (a shared folder) by a heartbeat, the lock file's
 * modification time, which the owner refreshes every HEARTBEAT_MS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LOCK_FILE } from '../protocol/runFormat';
import { isProcessAlive, processStartTime } from './processes';

export { processStartTime };

export const HEARTBEAT_MS = 15_000;
/** An owner on another machine whose heartbeat is older than this is taken to be gone. */
export const STALE_AFTER_MS = 8 * HEARTBEAT_MS;

export interface LockOwner {
  pid: number;
  hostname: string;
  /** The process's start time in clock ticks since boot (/proc/PID/stat), where the system has it. */
  processStart: string | null;
  since: string;
}

export class RunLockedError extends Error {
  constructor(
    readonly runDir: string,
    readonly owner: LockOwner,
  ) {
    super(`The run in ${runDir} is being trained by process ${owner.pid} on ${owner.hostname} (since ${owner.since}).`);
    this.name = 'RunLockedError';
  }

  get hint(): string {
    return this.owner.hostname === os.hostname()
      ? `Stop that trainer first (GAN Studio: Stop Training, or Ctrl+C in its terminal; kill ${this.owner.pid}), then resume.`
      : `Stop it on ${this.owner.hostname} first. If that trainer is gone, wait ${STALE_AFTER_MS / 60_000} minutes (its heartbeat then counts as stale) or delete ${path.join(this.runDir, LOCK_FILE)}.`;
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0 || typeof value.hostname !== 'string') return undefined;
    return { pid: value.pid, hostname: value.hostname, processStart: typeof value.processStart === 'string' ? value.processStart : null, since: String(value.since ?? '') };
  } catch {
    return undefined; // missing, torn or damaged: nobody can be shown to own the run
  }
}

/** Whether the lock's owner is still training. */
export function ownerIsLive(owner: LockOwner, lockFile: string, now = Date.now()): boolean {
  if (owner.hostname !== os.hostname()) {
    try {
      return now - fs.statSync(lockFile).mtimeMs < STALE_AFTER_MS;
    } catch {
      return false;
    }
  }
  if (!isProcessAlive(owner.pid)) return false;
  const start = processStartTime(owner.pid);
  return owner.processStart === null || start === null || start === owner.processStart;
}

/** The live owner of a run folder, if any (for readers such as the Runs view). */
export function liveOwner(runDir: string): LockOwner | undefined {
  const file = path.join(runDir, LOCK_FILE);
  const owner = readOwner(file);
  return owner && ownerIsLive(owner, file) ? owner : undefined;
}

export class RunLock {
  private heartbeat: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    readonly file: string,
    private readonly owner: LockOwner,
  ) {
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Takes the run folder for this process; throws RunLockedError when a live trainer owns it. */
  static acquire(runDir: string): RunLock {
    const file = path.join(runDir, LOCK_FILE);
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), processStart: processStartTime(process.pid), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(file, 'wx');
        try {
          fs.writeSync(fd, `${JSON.stringify(owner)}\n`);
        } finally {
          fs.closeSync(fd);
        }
        return new RunLock(file, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readOwner(file);
      if (current && ownerIsLive(current, file)) throw new RunLockedError(runDir, current);
      // The owner is gone (killed, crashed): take its lock over. If another trainer does the same
      // at this moment, only one of the two exclusive creates of the next attempt succeeds.
      fs.rmSync(file, { force: true });
    }
    const current = readOwner(file);
    throw new RunLockedError(runDir, current ?? { ...owner, pid: 0, hostname: 'another trainer' });
  }

  private beat(): void {
    try {
      const now = new Date();
      fs.utimesSync(this.file, now, now);
    } catch {
      // A missing lock is noticed by readers as a run without an owner; training goes on.
    }
  }

  /** Gives the run folder up (only if the lock is still this process's). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    const current = readOwner(this.file);
    if (current && current.pid === this.owner.pid && current.hostname === this.owner.hostname && current.since === this.owner.since) fs.rmSync(this.file, { force: true });
  }
}
