/**
 * Installs the packed .vsix into code-server (as a user would) and runs the integration suite
 * inside its extension host. Exit code: the suite's.
 */
import * as path from 'node:path';
import { installedExtensionPath, runExtensionTests, startCodeServer } from './harness';
import { EXTENSION_ID, makeWorkspace, REPO_ROOT, testSettings, vsixPath } from './shared';

async function main(): Promise<number> {
  const server = await startCodeServer({ settings: testSettings() });
  try {
    await server.installExtension(vsixPath());
    return await runExtensionTests({
      server,
      extensionDevelopmentPath: installedExtensionPath(server, EXTENSION_ID),
      extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'vscode', 'suite', 'index.js'),
      folder: makeWorkspace('integration'),
      timeoutMs: 600_000,
    });
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
