// The test command (npm test): type-check, unit tests in plain Node, then the packed extension in
// a real VS Code (code-server): integration tests in the extension host and UI tests with Playwright.
//   npm test                 everything
//   npm test -- --unit       type-check and unit tests only (no WebGPU tests: they need SwiftShader)
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
step('Type-check', bin('tsc'), ['-p', '.', '--noEmit']);
step('Type-check the VS Code tests', bin('tsc'), ['-p', 'test/vscode', '--noEmit']);
step('Type-check the webviews', bin('tsc'), ['-p', 'webview', '--noEmit']);
step('Unit tests', bin('mocha'), []);
if (unitOnly) process.exit(0);

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
step('UI tests (Playwright in VS Code)', bin('mocha'), ['--config', 'test/vscode/ui/.mocharc.json']);
console.log('\nAll tests passed.');
