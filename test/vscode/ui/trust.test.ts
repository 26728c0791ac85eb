/**
 * Workspace trust in the real VS Code (code-server with trust on): a workspace whose
 * .vscode/settings.json points ganStudio.nativeBackendPath at a package planted in the repository
 * (named like @tensorflow/tfjs-node, writing a marker file when loaded), with another copy in the
 * workspace's own node_modules. Opened untrusted (Restricted Mode): browsing runs works, Train GAN
 * says it waits for trust and starts nothing, and nothing is ever loaded from the planted packages.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand, screenshot, waitForNotification } from '../harness';
import { openUiSession, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

const MARKER = 'PLANTED-PACKAGE-WAS-LOADED';

function plantPackage(folder: string, marker: string): void {
  const dir = path.join(folder, 'node_modules', '@tensorflow', 'tfjs-node');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'loaded by ' + process.pid);\nmodule.exports = { version: { 'tfjs-node': '4.22.0' } };\n`);
}

describe('Workspace trust: an untrusted workspace cannot choose the code GAN Studio loads (UI)', () => {
  let session: UiSession;
  let marker = '';
  before(async () => {
    session = await openUiSession(
      'ui-trust',
      // No trust prompt: an untrusted folder opens straight in Restricted Mode.
      { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false },
      {
        workspaceTrust: true,
        prepareWorkspace: (workspace) => {
          marker = path.join(workspace, MARKER);
          plantPackage(path.join(workspace, 'planted'), marker);
          plantPackage(workspace, marker);
          fs.writeFileSync(
            path.join(workspace, '.vscode', 'settings.json'),
            JSON.stringify({ 'ganStudio.nativeBackendPath': path.join(workspace, 'planted'), 'ganStudio.backend': 'auto' }, null, 2),
          );
          trainWithCli(workspace); // a run to browse
          assert.ok(!fs.existsSync(marker), 'the CLI run (started outside the workspace folder) did not load it either');
        },
      },
    );
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('opens in Restricted Mode and still shows the runs', async () => {
    const { page } = session;
    await page.locator('.part.statusbar .statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
    await runRow(page, 'smoke').waitFor();
  });

  it('Train GAN says it waits for trust, starts nothing, and nothing is loaded from the planted packages', async () => {
    const { page, workspace } = session;
    const runsBefore = fs.readdirSync(path.join(workspace, '.gan-studio', 'runs'));
    await runCommand(page, 'GAN Studio: Train GAN');
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /Smoke test/ }).first();
    await row.waitFor();
    await row.click();
    await waitForNotification(page, /waits for workspace trust/);
    await screenshot(page, 'restricted-mode-train-waits-for-trust');
    assert.ok(!fs.existsSync(marker), `${MARKER} exists: the planted package was loaded`);
    assert.deepEqual(fs.readdirSync(path.join(workspace, '.gan-studio', 'runs')), runsBefore, 'no run was started');
  });
});
