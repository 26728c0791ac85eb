// The test command (npm test): type-check, unit tests in plain Node, then the packed extension in
// a real VS Code (code-server): integration tests in the extension host and UI tests with Playwright.
//   npm test                 everything
//   npm test -- --unit       type-check, unit tests and kernel comparisons only (no WebGPU tests: they need SwiftShader)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const unitOnly = process.argv.includes('--unit');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

function step(title, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) {
    console.error(`\n✗ ${title} failed (exit ${result.status ?? result.signal}) after ${seconds} s`);
    process.exit(result.status || 1);
  }
  console.log(`✓ ${title} (${seconds} s)`);
}

step('Build (with the integration suite)', process.execPath, ['scripts/build.mjs', '--tests']);
// Incremental: a second run re-checks only what changed (the build info lives in node_modules/.cache).
const typecheck = (project, name) => ['-p', project, '--noEmit', '--incremental', '--tsBuildInfoFile', path.join('node_modules', '.cache', 'tsc', `${name}.tsbuildinfo`)];
step('Type-check', bin('tsc'), typecheck('.', 'root'));
step('Type-check the VS Code tests', bin('tsc'), typecheck('test/vscode', 'vscode-tests'));
step('Type-check the webviews', bin('tsc'), typecheck('webview', 'webview'));
step('Type-check the walls between processes (each room of src/ its own project)', bin('tsc'), ['-b', 'tsconfig.walls.json']);
step('Unit tests', bin('mocha'), []);
step('Kernel comparisons (each kernel set in its own process)', 'npm', ['run', 'test:kernels']);
// The Python logger (python/gan_studio.py): compiled, and its own tests without PyTorch.
step('Python logger: compile', 'python3', ['-m', 'py_compile', 'python/gan_studio.py', 'python/gan_studio_example.py', 'python/test_gan_studio.py']);
step('Python logger: unit tests', 'python3', ['-m', 'unittest', 'discover', '-s', 'python']);
if (unitOnly) process.exit(0);
step('Fault injection, reduced (kill -9, signals, full disk, hostile folders; npm run test:faults for the full suite)', bin('tsx'), ['test/faults/faults.ts', '--reduced']);

const cache = process.env.GAN_STUDIO_CACHE || path.join(os.homedir(), '.cache', 'gan-studio');
const codeServer = process.env.CODE_SERVER_BIN || path.join(cache, 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
if (!fs.existsSync(codeServer)) {
  console.error(`\ncode-server is not installed (${codeServer}). Run: bash scripts/setup-code-server.sh`);
  process.exit(1);
}
// SwiftShader (the software Vulkan in Debian's chromium, which code-server's UI tests need too).
step('WebGPU tests (Dawn on SwiftShader)', process.execPath, ['scripts/test-webgpu.mjs']);
step('Package the .vsix', 'npm', ['run', 'package']);
step('Integration tests (mocha in the VS Code extension host)', bin('tsx'), ['test/vscode/runIntegration.ts']);
// The UI tests time clicks against live training (stop mid-way, pause, a sweep stopped between
// members); they were written for the TensorFlow.js step, and the onnxruntime engine (2.6x faster)
// finishes their runs before the clicks land. They keep the TensorFlow.js step; the engine has its
// own tests (test/unit/trainer/ortEngine.test.ts, exactResume.test.ts).
step('UI tests (Playwright in VS Code)', bin('mocha'), ['--config', 'test/vscode/ui/.mocharc.json'], { GAN_STUDIO_ENGINE: 'tfjs' });
console.log('\nAll tests passed.');
