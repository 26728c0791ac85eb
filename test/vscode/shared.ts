/** Fixtures shared by the integration (extension host) and UI (Playwright) tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const EXTENSION_ID = 'gan-studio.gan-studio';

/** The FashionMNIST folder for tests: $GAN_STUDIO_TEST_DATA, the shared verified copy, or Debian's package. */
export function testDataDir(): string {
  const candidates = [process.env.GAN_STUDIO_TEST_DATA, path.resolve(REPO_ROOT, '..', 'shared', 'data', 'fashion-mnist'), '/usr/share/datasets/fashion-mnist'];
  const found = candidates.find((d) => d && fs.existsSync(path.join(d, 'train-images-idx3-ubyte.gz')));
  if (!found) throw new Error(`FashionMNIST not found in ${candidates.filter(Boolean).join(', ')}: apt-get install dataset-fashion-mnist`);
  return found;
}

/** The packed extension that the tests install, as a user would. */
export function vsixPath(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const file = path.join(REPO_ROOT, `${pkg.name}-${pkg.version}.vsix`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run package\` first`);
  return file;
}

/** An empty workspace folder. */
export function makeWorkspace(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gan-studio-${name}-`));
  fs.mkdirSync(path.join(dir, '.vscode'));
  return dir;
}

/** User settings for every test session: real data, no dashboard popping up unless a test asks. */
export function testSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { 'ganStudio.datasetFolder': testDataDir(), 'ganStudio.openDashboardOnStart': false, ...extra };
}
