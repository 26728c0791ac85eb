/**
 * Crash-safe file writes: write a temporary file beside the target, flush it, then rename it over
 * the target, so a reader sees the old or the new content and never half of it. Shared by the
 * trainer and the extension host (Node only; no vscode, DOM or tfjs imports).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

function tempNameFor(target: string): string {
  counter = (counter + 1) % 1e9;
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter}.tmp`);
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const temp = tempNameFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'w');
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw explainWriteError(error, target);
  }
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes a whole folder atomically: `fill` writes into a temporary sibling folder, which is then
 * renamed to `target`. An existing `target` is replaced (moved aside first, deleted last).
 */
export function writeDirAtomic(target: string, fill: (tempDir: string) => void): void {
  const temp = tempNameFor(target);
  fs.mkdirSync(temp, { recursive: true });
  try {
    fill(temp);
    if (fs.existsSync(target)) {
      const old = tempNameFor(target);
      fs.renameSync(target, old);
      fs.renameSync(temp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(temp, target);
    }
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw explainWriteError(error, target);
  }
}

/** Creates a folder (and its parents) with an error that says what to do when it cannot. */
export function makeDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw explainWriteError(error, dir);
  }
}

/** Appends one line; a crash can at worst leave a torn last line, which readers skip. */
export function appendLine(target: string, line: string): void {
  try {
    fs.appendFileSync(target, `${line}\n`);
  } catch (error) {
    throw explainWriteError(error, target);
  }
}

export class WriteError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

function explainWriteError(error: unknown, target: string): Error {
  if (error instanceof WriteError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const base = `Cannot write ${target}: ${(error as Error).message}`;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new WriteError(base, 'The disk is full. Free some space (old runs can be deleted from the Runs view), then resume the run from its last checkpoint.', code);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOTDIR':
    case 'EEXIST':
      return new WriteError(base, 'The runs folder is not writable. Choose another one with the ganStudio.runsRoot setting (CLI: --out).', code);
    default:
      return new WriteError(base, 'Check that the runs folder exists and is writable.', code);
  }
}

const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Removes the temporary files and folders that writes of a killed process left in `dir` (their
 * names carry the writer's pid: only those of processes that are gone are removed). Returns how
 * many were removed; never throws.
 */
export function removeStaleTemps(dir: string, isAlive: (pid: number) => boolean = pidAlive): number {
  let removed = 0;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    try {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      removed += 1;
    } catch {
      // Left for the next time.
    }
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads and parses a JSON file; `undefined` when it does not exist. */
export function readJsonIfExists(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text);
}
