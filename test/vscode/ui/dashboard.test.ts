/**
 * The training dashboard in a real VS Code (Playwright): it opens when the smoke preset starts,
 * draws the curves as a run trains, its buttons pause, continue and stop the run; the grid slider,
 * the animation, the chart cursor, zoom, the x axis and Compare; the exports; a light theme, a
 * hidden and shown panel, and a window reload that brings the panel back on the same run.
 * Screenshots go to $GAN_STUDIO_SCREENSHOTS (default test-results/screenshots).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { runCommand, screenshot, until, webviewFrame } from '../harness';
import { openUiSession, reloadWindow, runRow, screenshotOnFailure, UiSession } from './session';

/** Polls an async probe until it returns a value (not undefined/false); rejects after the timeout. */
async function numberAttr(locator: Locator, name: string): Promise<number> {
  return Number((await locator.getAttribute(name, { timeout: 5_000 })) ?? NaN);
}

async function pick(page: Page, label: RegExp): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor();
  await row.click();
}

/** Accepts the save dialog (VS Code's own file dialog in the browser) at its proposed path. */
async function acceptSaveDialog(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await until(async () => (await input.inputValue()).length > 0, 'the proposed file name');
  await page.keyboard.press('Enter');
}

async function waitForFile(file: string, what: string): Promise<Buffer> {
  return until(async () => fs.existsSync(file) && fs.statSync(file).size > 0 && fs.readFileSync(file), what, 60_000);
}

function status(frame: FrameLocator, value: string): Locator {
  return frame.locator(`.status[data-status="${value}"]`);
}

/** Hides progress and information toasts (errors still show), so that screenshots show the dashboard. */
async function doNotDisturb(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Toggle Do Not Disturb Mode');
}

/** Clears toasts so that screenshots show the dashboard. */
async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

/** Scrolls the dashboard so that `selector` is at the top, for a screenshot. */
async function scrollTo(frame: FrameLocator, selector: string): Promise<void> {
  await frame.locator(selector).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

const runsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-studio-ui-dashboard-runs-'));

describe('Dashboard: live training in a dark theme (UI)', () => {
  let session: UiSession;
  before(async () => {
    session = await openUiSession('ui-dashboard', {
      'workbench.colorTheme': 'Default Dark Modern',
      'ganStudio.openDashboardOnStart': true,
      'ganStudio.runsRoot': runsRoot,
    });
    await doNotDisturb(session.page);
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('opens beside the editor when the smoke preset starts and shows the finished run', async () => {
    const { page } = session;
    await runCommand(page, 'GAN Studio: Train GAN');
    await pick(page, /Smoke test/);
    await page.locator('.tabs-container .tab', { hasText: 'smoke · Dashboard' }).waitFor();
    const frame = webviewFrame(page);
    const losses = frame.locator('[data-chart="losses"]');
    await losses.waitFor();
    await status(frame, 'completed').waitFor({ timeout: 180_000 });
    // The smoke preset records every step (printing steps 1, 2, 4, 6 and 8) and saves grids at steps 0, 4 and 8 (steps count iterations completed).
    await until(async () => (await numberAttr(losses, 'data-rows')) === 8, 'the eight records of the smoke run (one per step)');
    assert.equal(await numberAttr(frame.locator('[data-chart="outputs"]'), 'data-rows'), 8);
    assert.equal(await frame.locator('#grid-counter').innerText(), '3 / 3');
    assert.equal(await frame.locator('#grid-large').getAttribute('data-step'), '8');
    assert.equal(await frame.locator('#grid-large').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)), 274);
    assert.equal(await frame.locator('#grid-real').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)), 274);
    assert.match(await frame.locator('.facts').innerText(), /STEP\s+8 \/ 8/i);
    assert.equal(await frame.locator('.grid-image.grid-large').evaluate((img) => getComputedStyle(img).imageRendering), 'pixelated');
  });

  it('draws the curves while a run trains; Pause, Continue and Stop act on it', async () => {
    const { page } = session;
    // Long enough never to finish by itself (the smoke model trains at 15-20 steps a second here):
    // the test pauses, continues and stops it.
    fs.writeFileSync(path.join(session.workspace, 'smoke-long.gan.json'), `${JSON.stringify({ preset: 'smoke', epochs: 10000, maxSteps: 40000, name: 'smoke-live' }, null, 2)}\n`);
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'GAN Studio: Train GAN');
    await pick(page, /smoke-long/);
    await page.locator('.tabs-container .tab', { hasText: 'smoke-live · Dashboard' }).waitFor();
    const frame = webviewFrame(page);
    const losses = frame.locator('[data-chart="losses"]');
    await until(async () => (await numberAttr(losses, 'data-rows')) >= 3 && status(frame, 'running').isVisible(), 'the first records while training', 180_000);
    const page0 = await frame.locator('body').getAttribute('data-started-at');
    const first = await numberAttr(losses, 'data-rows');
    const firstRenders = await numberAttr(losses, 'data-renders');
    await until(async () => (await numberAttr(losses, 'data-rows')) > first, 'more records drawn as they are logged');
    assert.equal(await frame.locator('body').getAttribute('data-started-at'), page0, 'the page was updated, not reloaded');
    assert.ok((await numberAttr(losses, 'data-renders')) > firstRenders, 'the chart was redrawn');
    await until(async () => (await numberAttr(losses, 'data-rows')) >= 12, 'a dozen records');
    await clearNotifications(page);
    await scrollTo(frame, '.run-header');
    await screenshot(page, 'dashboard-training');

    await frame.locator('vscode-button[data-action="pause"]').click();
    await status(frame, 'paused').waitFor();
    await frame.locator('vscode-button[data-action="continue"]').waitFor();
    const paused = await numberAttr(losses, 'data-rows');
    await frame.locator('vscode-button[data-action="continue"]').click();
    await status(frame, 'running').waitFor();
    await until(async () => (await numberAttr(losses, 'data-rows')) > paused, 'records after continuing');

    await frame.locator('vscode-button[data-action="stop"]').click();
    await status(frame, 'stopped').waitFor({ timeout: 120_000 });
    await frame.locator('vscode-button[data-action="resume"]').waitFor();
    assert.equal(await frame.locator('vscode-button[data-action="pause"]').count(), 0, 'no Pause on a stopped run');
  });

  it('moves the grid slider, plays the animation, and links the charts with the grid', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    const grid = frame.locator('#grid-large');
    const slider = frame.locator('#grid-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    await frame.locator('#grid-large[data-step="0"]').waitFor();
    assert.match(await frame.locator('#grid-caption').innerText(), /^Step 0 · epoch 0 /);
    await page.keyboard.press('ArrowRight');
    await frame.locator('#grid-large[data-step="4"]').waitFor();
    assert.match(await frame.locator('#grid-counter').innerText(), /^2 \/ \d+$/);

    // Play: the grids follow one another (a frame a second, as in the lesson).
    await frame.locator('#play').click();
    await frame.locator('.timeline.playing').waitFor();
    await frame.locator('#grid-large[data-step="8"]').waitFor({ timeout: 10_000 });
    await frame.locator('#grid-large[data-step="12"]').waitFor({ timeout: 10_000 });
    await frame.locator('#play').click();
    await frame.locator('.timeline.playing').waitFor({ state: 'detached' });
    const stepAfterPause = await grid.getAttribute('data-step');
    assert.ok(Number(stepAfterPause) >= 12);

    // Hovering a chart shows the exact values at that step.
    const plot = frame.locator('[data-chart="losses"] .u-over');
    await plot.scrollIntoViewIfNeeded();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    const tooltip = frame.locator('[data-chart="losses"] .chart-tooltip');
    await tooltip.waitFor();
    assert.match(await tooltip.innerText(), /Step [\d,]+ · epoch [\d.]+[\s\S]*loss_D\s+[\d.]+\s+[\d.]+[\s\S]*loss_G/);
    // "Step 1,058 · …": the step under the cursor (thousands carry a comma).
    const stepOf = (text: string) => Number(/Step ([\d,]+)/.exec(text)![1].replace(/,/g, ''));
    const middleStep = stepOf(await tooltip.innerText());

    // A click on the chart puts the nearest grid (one every 4 steps) under the cursor.
    await page.mouse.move(box.x + 2, box.y + box.height * 0.5);
    // The tooltip follows the cursor on the next frame: wait until it has left the middle.
    await until(async () => stepOf(await tooltip.innerText()) < middleStep, 'the tooltip follows the cursor to the left edge');
    const cursorStep = stepOf(await tooltip.innerText());
    await page.mouse.click(box.x + 2, box.y + box.height * 0.5);
    const nearest = [Math.floor(cursorStep / 4) * 4, Math.ceil(cursorStep / 4) * 4].sort((p, q) => Math.abs(p - cursorStep) - Math.abs(q - cursorStep));
    await until(async () => Number(await grid.getAttribute('data-step')) === nearest[0] || (cursorStep % 4 === 2 && Number(await grid.getAttribute('data-step')) === nearest[1]), `the grid nearest step ${cursorStep}`);
    assert.ok(cursorStep < Number(stepAfterPause), 'the click moved the cursor back');

    // Drag to zoom, double-click to reset.
    const card = frame.locator('[data-chart="losses"]');
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await frame.locator('[data-chart="losses"].zoomed').waitFor();
    assert.ok((await numberAttr(card, 'data-drawn')) < (await numberAttr(card, 'data-rows')), 'the zoomed chart draws fewer rows');
    await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await frame.locator('[data-chart="losses"].zoomed').waitFor({ state: 'detached' });

    // The x axis can show epochs.
    await frame.locator('#x-axis').click();
    await frame.locator('#x-axis li.option', { hasText: 'Epoch' }).click();
    await frame.locator('[data-chart="losses"][data-x-axis="epoch"]').waitFor();
    await frame.locator('[data-chart="outputs"][data-x-axis="epoch"]').waitFor();
  });

  it('overlays another run in distinct colours and shows its grid at the same step', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('#compare').click();
    await frame.locator('#compare li.option', { has: frame.locator('.option-label', { hasText: /^smoke$/ }) }).click();
    await page.keyboard.press('Escape');
    const legend = frame.locator('[data-chart="losses"] .chart-legend');
    await legend.getByText('smoke · loss_D', { exact: true }).waitFor();
    await legend.getByText('smoke-live · loss_G', { exact: true }).waitFor();
    const colours = await legend.locator('.swatch').evaluateAll((els) => els.map((e) => getComputedStyle(e).borderTopColor));
    assert.notEqual(colours[0], colours[2], 'each run has its colour');
    const figures = frame.locator('.compare-grids figure');
    await until(async () => (await figures.count()) === 2, 'the two runs’ grids side by side');
    assert.match(await figures.nth(1).innerText(), /smoke[\s\S]*step \d+/);
    // Back to steps, and the newest grid, for the screenshot.
    await frame.locator('#x-axis').click();
    await frame.locator('#x-axis li.option', { hasText: 'Step' }).click();
    await frame.locator('#grid-slider').focus();
    await page.keyboard.press('End');
    await clearNotifications(page);
    await scrollTo(frame, '.run-header');
    await screenshot(page, 'dashboard-compare');
    await scrollTo(frame, '.real-vs-generated');
    await screenshot(page, 'dashboard-real-vs-generated');
  });

  it('exports the loss data as CSV, a chart as PNG and the grid timeline as an animated GIF', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('#export-csv').click();
    await acceptSaveDialog(page);
    const csv = (await waitForFile(path.join(session.workspace, 'smoke-live-metrics.csv'), 'the CSV file')).toString('utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'run_id,run_name,step,epoch,batch,wall_time,elapsed_sec,loss_d,loss_g,d_real,d_fake,d_fake_after,images_per_sec');
    assert.ok(lines.some((l) => /,smoke,8,1,3,/.test(l)), 'the compared run’s records are in it (step 8: the iteration of epoch 1, batch 3)');
    assert.ok(lines.filter((l) => /,smoke-live,/.test(l)).length >= 12);

    await frame.locator('[data-chart="losses"] vscode-toolbar-button[icon="file-media"]').click();
    await acceptSaveDialog(page);
    const png = await waitForFile(path.join(session.workspace, 'smoke-live-losses.png'), 'the PNG file');
    assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);

    await frame.locator('#export-gif').click();
    await acceptSaveDialog(page);
    const gif = await waitForFile(path.join(session.workspace, 'smoke-live-samples.gif'), 'the GIF file');
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.ok(gif.includes(Buffer.from('NETSCAPE2.0')), 'it loops');
  });
});

describe('Dashboard: light theme, hide and show, reload (UI)', () => {
  let session: UiSession;
  before(async () => {
    session = await openUiSession('ui-dashboard-light', { 'workbench.colorTheme': 'Default Light Modern', 'ganStudio.runsRoot': runsRoot });
    await doNotDisturb(session.page);
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
    fs.rmSync(runsRoot, { recursive: true, force: true });
  });

  it('opens a run from the Runs tree and keeps its view across hide/show and a reload', async () => {
    const { page } = session;
    const row = runRow(page, 'smoke-live');
    await row.hover();
    await row.locator('.action-label[aria-label^="Open Run"]').click();
    const tab = page.locator('.tabs-container .tab', { hasText: 'smoke-live · Dashboard' });
    await tab.waitFor();
    let frame = webviewFrame(page);
    await status(frame, 'stopped').waitFor();
    const rows = await until(async () => (await numberAttr(frame.locator('[data-chart="losses"]'), 'data-rows')) || undefined, 'the records');
    await frame.locator('#grid-slider').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await frame.locator('#grid-large[data-step="4"]').waitFor();
    await clearNotifications(page);
    await scrollTo(frame, '.run-header');
    await screenshot(page, 'dashboard-light');

    // Hidden behind another editor, then shown again: the webview is rebuilt from its saved state.
    await runCommand(page, 'File: New Untitled Text File');
    await page.locator('.tabs-container .tab', { hasText: 'Untitled-1' }).waitFor();
    await tab.click();
    frame = webviewFrame(page);
    await frame.locator('#grid-large[data-step="4"]').waitFor();
    assert.equal(await numberAttr(frame.locator('[data-chart="losses"]'), 'data-rows'), rows);

    // A window reload: the serializer brings the panel back on the same run, at the same grid.
    await reloadWindow(page);
    const restored = page.locator('.tabs-container .tab', { hasText: 'smoke-live · Dashboard' });
    await restored.waitFor({ timeout: 60_000 });
    await restored.click();
    frame = webviewFrame(page);
    await frame.locator('.run-name', { hasText: 'smoke-live' }).waitFor({ timeout: 60_000 });
    await frame.locator('#grid-large[data-step="4"]').waitFor();
    await until(async () => (await numberAttr(frame.locator('[data-chart="losses"]'), 'data-rows')) === rows, 'the same records after the reload');
  });
});
