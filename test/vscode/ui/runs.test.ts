/**
 * What a user sees (Playwright in a real VS Code): "Train GAN" from the palette, the status bar,
 * the output channel, the Runs tree, a sample grid in the editor; stopping and resuming a run.
 * Screenshots go to $GAN_STUDIO_SCREENSHOTS (default test-results/screenshots).
 */
import * as assert from 'node:assert/strict';
import { outputPanelText, runCommand, screenshot, statusBarText, treeRows, waitForNotification, webviewFrame } from '../harness';
import { openUiSession, recordStatusBar, runRow, screenshotOnFailure, UiSession } from './session';

async function pickInQuickInput(session: UiSession, label: RegExp): Promise<void> {
  const row = session.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor();
  await row.click();
}

describe('Runs: train, watch, inspect (UI)', () => {
  let session: UiSession;
  before(async () => {
    session = await openUiSession('ui-runs');
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('shows the welcome view with a Train GAN button before the first run', async () => {
    await session.page.locator('.part.sidebar .welcome-view-content', { hasText: 'No training runs yet' }).waitFor();
  });

  it('trains the smoke preset from the palette and shows it completed in the tree', async () => {
    const { page } = session;
    const statusTexts = await recordStatusBar(page);
    await runCommand(page, 'GAN Studio: Train GAN');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Reference experiment' }).waitFor();
    await screenshot(page, '01-train-gan-quick-pick');
    await pickInQuickInput(session, /Smoke test/);

    const row = runRow(page, 'smoke');
    await row.locator('.codicon-pass-filled').waitFor({ timeout: 120_000 });
    const seen = await statusTexts();
    assert.ok(seen.length >= 2, `the status bar showed progress and updated: ${JSON.stringify(seen)}`);
    assert.ok(seen.every((t) => /smoke: ep [\d.]+\/2 · \d\/8/.test(t)), JSON.stringify(seen));
    assert.match(await row.innerText(), /2\/2 epochs · D [\d.]+ · G [\d.]+/);

    const output = await outputPanelText(page, 'GAN Studio');
    assert.match(output, /ep 0; batch 0\/4\s+Loss D: [\d.]+\s+Loss G: [\d.]+/);
    assert.match(output, /Completed at step 8\/8/);
    await waitForNotification(page, /Training “smoke” completed: 8 steps/);
  });

  it('expands the run into checkpoints and sample grids and opens a grid in the editor', async () => {
    const { page } = session;
    await runRow(page, 'smoke').click();
    await treeRows(page, 'Sample grids');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Checkpoints' }).click();
    // Both folders expand asynchronously: wait for a child of each.
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Step 8 · epoch 2' }).first().waitFor();
    const rows = await treeRows(page, 'Training images');
    for (const label of ['Checkpoints', 'Step 8 · epoch 2', 'Sample grids', 'Step 8', 'Step 4', 'Step 0', 'Training images']) {
      assert.ok(rows.some((r) => r.startsWith(label)), `row "${label}" in ${JSON.stringify(rows)}`);
    }
    await page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Step 8$/ }) }).click();
    const tab = page.locator('.tabs-container .tab', { hasText: 'step-000008.grid.png' });
    await tab.waitFor();
    // VS Code's image preview is a webview showing the PNG: wait until the image has loaded.
    const image = webviewFrame(page).locator('img');
    await image.waitFor();
    await image.evaluate((img: HTMLImageElement) => img.decode());
    assert.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 274, 'the 274x274 grid is shown');
    await screenshot(page, '03-runs-tree-and-sample-grid');
  });
});

describe('Runs: stop mid-way and resume (UI)', () => {
  let session: UiSession;
  before(async () => {
    session = await openUiSession('ui-stop');
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('stops a running run, shows it stopped, and resumes it from its checkpoint', async () => {
    const { page } = session;
    await runCommand(page, 'GAN Studio: Train GAN');
    await pickInQuickInput(session, /Quick/);
    const running = await statusBarText(page, /quick: ep [\d.]+\/0\.75 · [\d,]+\/700 · D [\d.]+ G [\d.]+/);
    assert.match(running, /ETA/);
    await runRow(page, 'quick').locator('.codicon-sync').waitFor();
    await screenshot(page, '02-training-status');

    await runCommand(page, 'GAN Studio: Stop Training');
    await waitForNotification(page, /Training “quick” stopped at step \d+ of 700; a checkpoint was saved/);
    await runRow(page, 'quick').locator('.codicon-stop-circle').waitFor();
    await screenshot(page, '04-stopped');

    await runCommand(page, 'GAN Studio: Resume Run from Last Checkpoint');
    await pickInQuickInput(session, /quick/);
    await runRow(page, 'quick').locator('.codicon-sync').waitFor();
    await statusBarText(page, /quick: ep [\d.]+\/0\.75 · [\d,]+\/700/);
    await runCommand(page, 'GAN Studio: Stop Training');
    await runRow(page, 'quick').locator('.codicon-stop-circle').waitFor();
  });
});
