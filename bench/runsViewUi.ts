/**
 * Time to the Runs view's first row in the real VS Code (code-server + Chromium, the UI tests'
 * harness; run `npm run package` first): a workspace with N generated runs (bench/generateRuns.ts)
 * is opened, the GAN Studio view is shown as soon as the workbench is up, and the time from the
 * workbench being up to the first run row is measured. Measured on a shared machine, the figures
 * are upper bounds; say where they were taken.
 *
 *   npx tsx bench/runsViewUi.ts [--counts 1,500,5000]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { activityBarItem, launchBrowser, openWorkbench, startCodeServer } from '../test/vscode/harness';
import { makeWorkspace, testSettings, vsixPath } from '../test/vscode/shared';
import { generateRuns } from './generateRuns';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { counts: { type: 'string', default: '1,500,5000' } } });
  const server = await startCodeServer({ settings: testSettings() });
  await server.installExtension(vsixPath());
  try {
    for (const count of values.counts!.split(',').map(Number)) {
      const workspace = makeWorkspace(`bench-runs-${count}`);
      generateRuns(path.join(workspace, '.gan-studio', 'runs'), count);
      const browser = await launchBrowser();
      try {
        const page = browser.page;
        page.setDefaultTimeout(120_000);
        await page.setViewportSize({ width: 1400, height: 860 });
        await openWorkbench(page, server, { folder: workspace });
        const t0 = Date.now();
        await (await activityBarItem(page, 'GAN Studio')).click();
        await page.locator('.part.sidebar .monaco-list-row').first().waitFor();
        const ms = Date.now() - t0;
        console.log(`${String(count).padStart(6)} runs: first row ${ms} ms after the workbench was up`);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await server.stop();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
