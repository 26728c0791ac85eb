/** Reads a run folder on disk for the validator (src/protocol/runCheck.ts). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunFolderReader } from '../protocol/runCheck';

export function diskRunFolder(dir: string): RunFolderReader {
  return {
    name: path.basename(path.resolve(dir)),
    read(file) {
      try {
        return fs.readFileSync(path.join(dir, ...file.split('/')));
      } catch {
        return undefined;
      }
    },
    readText(file) {
      try {
        return fs.readFileSync(path.join(dir, ...file.split('/')), 'utf8');
      } catch {
        return undefined;
      }
    },
    list(sub) {
      try {
        return fs.readdirSync(path.join(dir, ...sub.split('/').filter(Boolean)));
      } catch {
        return [];
      }
    },
  };
}
