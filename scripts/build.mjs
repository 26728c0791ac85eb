// Builds one bundle per process with esbuild: extension host, trainer (child process), CLI,
// benchmark, and the webviews. `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Optional or native packages that are loaded at run time from node_modules, never bundled. */
const external = ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'webgpu', 'sharp'];

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  external,
  define: { GAN_STUDIO_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = [
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, entryPoints: ['src/trainer/main.ts'], outfile: 'dist/trainer.js' },
  { ...node, entryPoints: ['src/generator/main.ts'], outfile: 'dist/generator.js' },
  { ...node, entryPoints: ['src/trainer/cliMain.ts'], outfile: 'dist/cli.js' },
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/gan-studio.js' },
  { ...node, entryPoints: ['src/generator/evalCliMain.ts'], outfile: 'dist/evalCli.js' },
  // jsonc-parser's CommonJS build is UMD with run-time requires that esbuild cannot follow.
  { ...node, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js', mainFields: ['module', 'main'] },
  { ...node, entryPoints: ['bench/bench.ts'], outfile: 'dist/bench.js' },
  // Library entry for JavaScript/TensorFlow.js training loops: require('gan-studio/logger') (logger/package.json).
  { ...node, entryPoints: ['src/logger/index.ts'], outfile: 'dist/logger.js' },
].filter((e) => fs.existsSync(path.join(root, e.entryPoints[0])));

/** Webviews: `webview/<name>/main.ts` becomes `dist/webview/<name>.js` (and `.css` if it imports CSS). */
const webviewRoot = path.join(root, 'webview');
for (const name of fs.existsSync(webviewRoot) ? fs.readdirSync(webviewRoot) : []) {
  const entry = path.join('webview', name, 'main.ts');
  if (!fs.existsSync(path.join(root, entry))) continue;
  entries.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: production ? false : 'inline',
    minify: production,
    entryPoints: [entry],
    outfile: `dist/webview/${name}.js`,
    loader: { '.ttf': 'file', '.woff2': 'file', '.svg': 'file' },
    logLevel: 'warning',
    absWorkingDir: root,
  });
}

/** The integration suite runs inside the extension host: one file per test, vscode and mocha external. */
if (tests) {
  const suiteDir = path.join(root, 'test/vscode/suite');
  const files = fs.readdirSync(suiteDir).filter((f) => f.endsWith('.ts'));
  entries.push({ ...node, external: [...external, 'mocha'], entryPoints: files.map((f) => path.join('test/vscode/suite', f)), outdir: 'out/test/vscode/suite' });
}

/** Codicons for @vscode-elements/elements, served to webviews from dist/webview. */
function copyCodicons() {
  const from = path.join(root, 'node_modules/@vscode/codicons/dist');
  fs.mkdirSync(path.join(root, 'dist', 'webview'), { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, file), path.join(root, 'dist', 'webview', file));
}

/**
 * onnxruntime-node is loaded by the trainer at run time (native code cannot be bundled): copy its
 * JavaScript and this platform's binaries (not the other platforms', about 250 MB) under
 * dist/node_modules, where dist/trainer.js finds it and the .vsix carries it.
 */
function copyOnnxRuntime() {
  const target = path.join(root, 'dist', 'node_modules');
  fs.rmSync(target, { recursive: true, force: true });
  const platformBin = path.join('bin', 'napi-v6', process.platform, process.arch);
  for (const [pkg, parts] of [
    ['onnxruntime-node', ['package.json', 'LICENSE', 'dist', platformBin]],
    ['onnxruntime-common', ['package.json', 'LICENSE', 'dist']],
  ]) {
    for (const part of parts) {
      const from = path.join(root, 'node_modules', pkg, part);
      if (fs.existsSync(from)) fs.cpSync(from, path.join(target, pkg, part), { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') });
    }
  }
}

/**
 * webgpu (Dawn's Node binding, an optional dependency) is imported by the trainer at run time: copy
 * its ES module and this platform's dawn.node (not the other platforms') beside onnxruntime-node.
 */
function copyDawn() {
  const from = path.join(root, 'node_modules', 'webgpu');
  if (!fs.existsSync(from)) return; // optional: the webgpu backend then reports it missing
  const platformDir = path.join('dist', `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`);
  for (const part of ['package.json', 'LICENSE.md', 'index.js', platformDir]) {
    const source = path.join(from, part);
    if (fs.existsSync(source)) fs.cpSync(source, path.join(root, 'dist', 'node_modules', 'webgpu', part), { recursive: true });
  }
}

/**
 * sharp (libvips, native; decodes the images of `dataset: "folder"`) is loaded by the trainer at run
 * time: copy its JavaScript, its dependencies and this platform's prebuilt binaries (not the other
 * platforms') beside onnxruntime-node.
 */
function copySharp() {
  const platform = `${process.platform}${process.platform === 'linux' && fs.existsSync('/etc/alpine-release') ? 'musl' : ''}-${process.arch}`;
  for (const [pkg, parts] of [
    ['sharp', ['package.json', 'LICENSE', 'dist']],
    ['@img/colour', null],
    ['detect-libc', null],
    ['semver', null],
    [`@img/sharp-${platform}`, null],
    [`@img/sharp-libvips-${platform}`, null],
  ]) {
    const from = path.join(root, 'node_modules', pkg);
    if (!fs.existsSync(from)) continue; // the folder data set then reports sharp missing
    for (const part of parts ?? ['']) {
      const source = path.join(from, part);
      if (fs.existsSync(source)) fs.cpSync(source, path.join(root, 'dist', 'node_modules', pkg, part), { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts') && !f.endsWith('.d.cts') });
    }
  }
}

function copyWasmBinaries() {
  const from = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  for (const file of fs.readdirSync(from).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(from, file), path.join(root, 'dist', file));
  }
}

copyWasmBinaries();
copyCodicons();
copyOnnxRuntime();
copyDawn();
copySharp();
if (watch) {
  for (const options of entries) await (await esbuild.context(options)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(entries.map((options) => esbuild.build(options)));
}
