/**
 * Where a run folder may be acted on (rename, delete, resume, branch): only a real folder directly
 * inside the runs root. A symlink, or a path that resolves elsewhere (a workspace-set runs root
 * holding a link to the user's home, a crafted command argument), is refused. Node only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Undefined when `dir` is a real folder directly inside `runsRoot`; otherwise what is wrong, in a sentence. */
export function runDirProblem(runsRoot: string, dir: string): string | undefined {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) return `${dir} does not exist.`;
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link; GAN Studio acts only on run folders inside the runs root, not on what links point to.`;
  if (!stat.isDirectory()) return `${dir} is not a folder.`;
  let parent: string;
  let root: string;
  try {
    parent = fs.realpathSync(path.dirname(dir));
    root = fs.realpathSync(runsRoot);
  } catch (error) {
    return `${dir} cannot be checked: ${(error as Error).message}`;
  }
  return parent === root ? undefined : `${dir} is not inside the runs root ${runsRoot}; GAN Studio acts only on its own run folders.`;
}
