/** Which of the Python logger's files Add Python Logger would write, keep or ask about (no vscode import). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PYTHON_LOGGER_FILES = ['gan_studio.py', 'gan_studio_example.py'] as const;

export interface PlannedFile {
  name: string;
  source: string;
  target: string;
  /** new: no such file; same: identical content already there; different: would replace the user's file. */
  state: 'new' | 'same' | 'different';
}

/** What writing the logger into `folder` would do (no vscode; reads the files only). */
export function planLoggerFiles(sourceDir: string, folder: string): PlannedFile[] {
  return PYTHON_LOGGER_FILES.map((name) => {
    const source = path.join(sourceDir, name);
    const target = path.join(folder, name);
    if (!fs.existsSync(target)) return { name, source, target, state: 'new' as const };
    return { name, source, target, state: fs.readFileSync(target).equals(fs.readFileSync(source)) ? ('same' as const) : ('different' as const) };
  });
}
