// npm run test:webgpu: the WebGPU backend's tests (test/webgpu) on SwiftShader, the software Vulkan
// driver that Debian's chromium package ships (scripts/setup-code-server.sh installs it; .ci/run
// too). Dawn loads the Vulkan loader when it looks for an adapter, and the dynamic linker reads
// LD_LIBRARY_PATH only when a process starts, so this script sets the environment and starts mocha.
// It fails (never skips) when SwiftShader is missing.
//   VK_ICD_FILENAMES=/path/to/vk_swiftshader_icd.json npm run test:webgpu    another SwiftShader
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const icd = process.env.VK_ICD_FILENAMES || '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!fs.existsSync(icd)) {
  console.error(
    `SwiftShader's Vulkan driver is missing (${icd}).\n` +
      'Install Debian\'s chromium package (apt-get install chromium, or bash scripts/setup-code-server.sh), ' +
      'or point VK_ICD_FILENAMES at another vk_swiftshader_icd.json.',
  );
  process.exit(1);
}
// Chromium ships the Vulkan loader (libvulkan.so.1) beside SwiftShader; a system loader also works.
const icdDir = path.dirname(icd);
const ldPath = [icdDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter);
if (!fs.existsSync(path.join(root, 'dist', 'cli.js')) || !fs.existsSync(path.join(root, 'dist', 'node_modules', 'webgpu'))) {
  console.error('dist/ is not built (or built without the webgpu package): run `npm run build` first.');
  process.exit(1);
}
const env = { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: ldPath };
const mocha = path.join(root, 'node_modules', '.bin', 'mocha');
const files = process.argv.slice(2);
const result = spawnSync(mocha, ['--config', 'test/webgpu/.mocharc.json', ...(files.length > 0 ? files : ['test/webgpu/**/*.test.ts'])], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
