/**
 * The README's sweep screenshots: opens a real VS Code on a runs folder that holds a sweep trained
 * with `gan-studio sweep` (e.g. docs' quick-preset learning-rate sweep), and photographs the Runs
 * view's sweep node with its comparison dashboard and the runs table filtered to the sweep.
 *
 *   GAN_STUDIO_SCREENSHOTS=docs/images npx tsx test/vscode/ui/sweepDemo.ts RUNS_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { screenshot, webviewFrame } from '../harness';
import { openUiSession } from './session';

async function main(runsDir: string): Promise<void> {
  const [id] = fs.readdirSync(path.join(runsDir, 'sweeps'));
  const sweep = JSON.parse(fs.readFileSync(path.join(runsDir, 'sweeps', id, 'sweep.json'), 'utf8')) as { name: string };
  const session = await openUiSession('sweep-demo', {}, { prepareWorkspace: (ws) => fs.cpSync(runsDir, path.join(ws, '.gan-studio', 'runs'), { recursive: true }) });
  try {
    const { page } = session;
    await page.setViewportSize({ width: 1600, height: 900 });
    // Widen the side bar so the members' names fit.
    const side = (await page.locator('.part.sidebar').boundingBox())!;
    await page.mouse.move(side.x + side.width + 1, 450);
    await page.mouse.down();
    await page.mouse.move(side.x + side.width + 180, 450, { steps: 8 });
    await page.mouse.up();
    const row = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${sweep.name}$`) }) }).first();
    await row.waitFor();
    await row.click({ button: 'right' });
    const open = page.locator('.context-view .action-label', { hasText: 'Open Sweep Comparison' });
    await open.hover();
    await page.keyboard.press('Enter');
    const frame = webviewFrame(page);
    const legend = frame.locator('[data-chart="losses"] .chart-legend');
    await legend.waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    await legend.scrollIntoViewIfNeeded();
    await frame.locator('body').evaluate(() => window.scrollBy(0, -40));
    await page.waitForTimeout(1000);
    await page.mouse.move(1100, 700);
    await page.waitForTimeout(1500);
    console.log(await screenshot(page, 'sweep-comparison'));
    await row.click({ button: 'right' });
    const table = page.locator('.context-view .action-label', { hasText: 'Open Sweep in Runs Table' });
    await table.hover();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: `Runs · sweep ${sweep.name}` }).waitFor();
    await webviewFrame(page).locator('table.runs tbody tr').nth(1).waitFor();
    await page.waitForTimeout(1000);
    await page.mouse.move(1100, 700);
    await page.waitForTimeout(1500);
    console.log(await screenshot(page, 'sweep-table'));
  } finally {
    await session.close();
  }
}

main(path.resolve(process.argv[2] ?? '')).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
