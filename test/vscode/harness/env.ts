import * as os from 'node:os';
import * as path from 'node:path';

/** Settings and paths the harness reads from the environment (see test/vscode/README.md). */

export const CODE_SERVER_VERSION = '4.100.3';

/** The code-server executable: $CODE_SERVER_BIN, else where scripts/setup-code-server.sh puts it. */
export function codeServerBin(): string {
  if (process.env.CODE_SERVER_BIN) {
    return process.env.CODE_SERVER_BIN;
  }
  const cacheRoot = process.env.GAN_STUDIO_CACHE ?? path.join(os.homedir(), '.cache', 'gan-studio');
  return path.join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

export function chromiumPath(): string {
  return process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
}

export function screenshotDir(): string {
  return path.resolve(process.env.GAN_STUDIO_SCREENSHOTS ?? path.join('test-results', 'screenshots'));
}

/** GAN_STUDIO_KEEP=1 keeps code-server's and Chromium's temporary directories for debugging. */
export function keepTempDirs(): boolean {
  return process.env.GAN_STUDIO_KEEP === '1';
}
