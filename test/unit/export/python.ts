/**
 * A Python 3 interpreter that can import a given module, for the checks that use Debian's
 * python3-onnx and python3-nbformat: `python3` on the PATH first, then the system's
 * /usr/bin/python3 (where apt installs them even when a pyenv or venv python comes first).
 */
import { spawnSync } from 'node:child_process';

const found = new Map<string, string | undefined>();

export function pythonWith(module: string): string | undefined {
  if (found.has(module)) return found.get(module);
  const python = ['python3', '/usr/bin/python3'].find((candidate) => spawnSync(candidate, ['-c', `import ${module}`], { encoding: 'utf8' }).status === 0);
  found.set(module, python);
  return python;
}

/** Any Python 3 at all (for py_compile). */
export function anyPython(): string | undefined {
  return pythonWith('sys');
}
