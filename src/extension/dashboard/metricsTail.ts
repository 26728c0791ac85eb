/**
 * Follows a run's metrics.jsonl as the trainer appends to it: each read parses only the bytes
 * added since the last one (complete lines; a torn last line waits for its end). When the file was
 * rewritten (a resume drops the records after its checkpoint, atomically, so the file is new or
 * shorter) it reads the whole file again and says so. Plain Node, no vscode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isFiniteNumber } from '../../protocol/guards';
import { METRICS_FILE, MetricRecord, parseMetricsLines } from '../../protocol/runFormat';

export type TailRead =
  /** Records after the ones returned before. */
  | { kind: 'append'; records: MetricRecord[]; badLines: number }
  /** Every record of the file, replacing the ones returned before. */
  | { kind: 'replace'; records: MetricRecord[]; badLines: number };

const NEWLINE = 0x0a;


/**
 * Complete lines of metrics.jsonl as records. A large chunk is parsed as one JSON array (about
 * three times faster than a JSON.parse per line); any line that is not a valid record sends the
 * chunk to the shared line-by-line reader, which skips and counts the bad lines.
 */
export function parseChunk(text: string | undefined): { records: MetricRecord[]; badLines: number[] } {
  if (!text) return { records: [], badLines: [] };
  try {
    const parsed: unknown = JSON.parse(`[${text.slice(0, text.endsWith('\n') ? -1 : undefined).replaceAll('\n', ',')}]`);
    if (Array.isArray(parsed) && parsed.every((r) => r !== null && typeof r === 'object' && isFiniteNumber(r.step) && isFiniteNumber(r.lossD) && isFiniteNumber(r.lossG))) {
      return { records: parsed as MetricRecord[], badLines: [] };
    }
  } catch {
    // A damaged or blank line: read line by line below.
  }
  return parseMetricsLines(text);
}

export class MetricsTail {
  readonly file: string;
  /** Bytes consumed: the file up to the end of its last complete line. */
  private offset = 0;
  private ino: number | undefined;
  private lastStep = -Infinity;
  /** The last complete line read (with its newline): if those bytes change, the file was rewritten. */
  private lastLine: Buffer | undefined;
  private started = false;

  constructor(runDir: string) {
    this.file = path.join(runDir, METRICS_FILE);
  }

  /** Reads what was added since the last call; the first call reads the whole file. */
  read(): TailRead {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      // No metrics yet (a run that has just started), or the folder is gone.
      const replaced = this.started && this.offset > 0;
      this.reset();
      this.started = true;
      return { kind: replaced ? 'replace' : 'append', records: [], badLines: 0 };
    }
    try {
      const stat = fs.fstatSync(fd);
      const rewritten = this.started && this.ino !== undefined && (stat.ino !== this.ino || stat.size < this.offset || !this.lastLineIntact(fd));
      if (rewritten) this.reset();
      const first = !this.started || rewritten;
      this.started = true;
      this.ino = stat.ino;
      const chunk = this.readComplete(fd, stat.size);
      const { records, badLines } = parseChunk(chunk);
      if (!first && records.length > 0 && records[0].step <= this.lastStep) {
        // Appended records must go on from the last step; anything else means the file was rewritten in place.
        return this.readAll(fd);
      }
      if (records.length > 0) this.lastStep = records[records.length - 1].step;
      return { kind: rewritten ? 'replace' : 'append', records, badLines: badLines.length };
    } finally {
      fs.closeSync(fd);
    }
  }

  private readAll(fd: number): TailRead {
    this.reset();
    const chunk = this.readComplete(fd, fs.fstatSync(fd).size);
    const { records, badLines } = parseChunk(chunk);
    if (records.length > 0) this.lastStep = records[records.length - 1].step;
    return { kind: 'replace', records, badLines: badLines.length };
  }

  private lastLineIntact(fd: number): boolean {
    const line = this.lastLine;
    if (!line) return true;
    const bytes = Buffer.allocUnsafe(line.length);
    const n = fs.readSync(fd, bytes, 0, line.length, this.offset - line.length);
    return n === line.length && bytes.equals(line);
  }

  /** The text from the offset to the last newline before `size`, and moves the offset past it. */
  private readComplete(fd: number, size: number): string | undefined {
    if (size <= this.offset) return undefined;
    const buffer = Buffer.allocUnsafe(size - this.offset);
    let read = 0;
    while (read < buffer.length) {
      const n = fs.readSync(fd, buffer, read, buffer.length - read, this.offset + read);
      if (n === 0) break;
      read += n;
    }
    if (read === 0) return undefined;
    const end = buffer.lastIndexOf(NEWLINE, read - 1);
    if (end < 0) return undefined;
    const start = buffer.lastIndexOf(NEWLINE, end - 1) + 1;
    this.lastLine = Buffer.from(buffer.subarray(start, end + 1));
    this.offset += end + 1;
    return buffer.toString('utf8', 0, end + 1);
  }

  private reset(): void {
    this.offset = 0;
    this.lastLine = undefined;
    this.ino = undefined;
    this.lastStep = -Infinity;
  }
}
