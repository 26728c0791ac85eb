/**
 * Run folders for the playground, inspector and export tests: the smoke preset trained by the
 * real CLI (dist/cli.js) on 64 synthetic images, once per configuration and test process.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, tempDir, writeImagesFixture, writeLabelsFixture } from '../helpers';

const cache = new Map<string, string>();
let dataDir: string | undefined;

export const GENERATOR_SCRIPT = path.join(REPO_ROOT, 'dist', 'generator.js');

export function requireBuild(): void {
  for (const file of ['cli.js', 'generator.js']) assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', file)), `dist/${file} is missing: run \`npm run build\` first`);
}

/** Trains the smoke preset (8 steps, width 8) with `overrides` and returns the run folder. */
export function smokeRun(overrides: Record<string, unknown> = {}, runsRoot?: string): string {
  const key = JSON.stringify(overrides) + (runsRoot ?? '');
  const cached = cache.get(key);
  if (cached && fs.existsSync(cached)) return cached;
  requireBuild();
  if (!dataDir) {
    dataDir = tempDir('gan-studio-data-');
    writeImagesFixture(dataDir, 64);
    writeLabelsFixture(dataDir, 64); // for conditional runs
  }
  const out = runsRoot ?? tempDir('gan-studio-runs-');
  const configFile = path.join(tempDir('gan-studio-config-'), 'smoke.gan.json');
  fs.writeFileSync(configFile, JSON.stringify({ preset: 'smoke', ...overrides }));
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--config', configFile, '--out', out, '--data', dataDir, '--offline'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  const runDir = /Run folder: (.+)$/m.exec(result.stdout)![1].trim();
  cache.set(key, runDir);
  return runDir;
}

export function checkpointsOf(runDir: string): string[] {
  return fs
    .readdirSync(path.join(runDir, 'checkpoints'))
    .filter((d) => !d.startsWith('.'))
    .sort()
    .map((d) => path.join(runDir, 'checkpoints', d));
}
