/**
 * The grid inspector as a user sees it (Playwright in a real VS Code): a sample grid opens from the
 * Runs tree in the inspector (the default editor for *.grid.png), the step slider and keyboard move
 * through the run's grids, hovering and clicking a cell show its index and its history, zoom is
 * pixel-exact, another run compares side by side or with a wipe, new grids appear live, the real
 * images open too, and a damaged PNG gets a clear message.
 * Screenshots go to $GAN_STUDIO_SCREENSHOTS (default test-results/screenshots).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { runCommand, screenshot, treeRows, webviewFrame } from '../harness';
import { clearNotifications, openUiSession, reloadWindow, resumeWithCli, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

function treeRow(page: Page, label: RegExp) {
  return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first();
}

/**
 * Clicks a tree row until its editor tab shows. The Runs view redraws its rows when the run folders
 * change (the watcher reports within 250 ms), and a click that lands while a row is replaced opens
 * nothing; a user clicks again, and so does this.
 */
async function openFromTree(page: Page, label: RegExp, tab: string): Promise<void> {
  const tabLocator = page.locator('.tabs-container .tab', { hasText: tab });
  for (let attempt = 1; ; attempt++) {
    await treeRow(page, label).click();
    const shown = await tabLocator.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );
    if (shown) return;
    if (attempt === 4) throw new Error(`Clicking the tree row ${label} did not open ${tab} (4 tries)`);
  }
}

async function imageSrc(frame: FrameLocator): Promise<string> {
  return frame.locator('.pane-a img.grid-image').first().evaluate((img: HTMLImageElement) => img.getAttribute('src') ?? '');
}

async function waitForText(frame: FrameLocator, selector: string, text: RegExp): Promise<void> {
  await frame.locator(selector, { hasText: text }).first().waitFor();
}

describe('Grid inspector (UI)', () => {
  let session: UiSession;
  let runA: string;
  let runB: string;

  before(async () => {
    session = await openUiSession('ui-inspector');
    runA = trainWithCli(session.workspace, { name: 'smoke' });
    runB = trainWithCli(session.workspace, { name: 'other seed', seed: 7 });
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('opens a sample grid from the Runs tree in the inspector, pixel-exact, with its step and epoch', async () => {
    const { page } = session;
    await runRow(page, 'smoke').click();
    await treeRows(page, 'Sample grids');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).first().click();
    await treeRows(page, 'Training images');
    await openFromTree(page, /^Step 8$/, 'step-000008.grid.png');
    const frame = webviewFrame(page);
    await waitForText(frame, '[data-testid=where]', /^Step 8 · epoch 2$/);
    // The grid is the only image until something else is asked for (as in VS Code's own image preview).
    const image = frame.locator('img');
    await image.evaluate((img: HTMLImageElement) => img.decode());
    assert.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 274);
    assert.match(await imageSrc(frame), /step-000008\.grid\.png/);
    assert.equal(await image.evaluate((img: HTMLImageElement) => getComputedStyle(img).imageRendering), 'pixelated');
    const width = await image.evaluate((img: HTMLImageElement) => img.getBoundingClientRect().width);
    assert.equal(width % 274, 0, `fit to window uses a whole-number zoom (${width} px)`);
    assert.equal(await frame.locator('.step-count').innerText(), '3 / 3');
    // The inspector is the default for grids: VS Code does not ask which editor to use.
    assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: 'multiple default editors' }).count(), 0);
    await clearNotifications(page);
    await screenshot(page, 'inspector-01-opened-from-tree');
  });

  it('moves through the run’s grids with the slider and the keyboard', async () => {
    const frame = webviewFrame(session.page);
    const slider = frame.locator('input.step-slider');
    await slider.evaluate((el: HTMLInputElement) => {
      el.value = '1';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await waitForText(frame, '[data-testid=where]', /^Step 4 · epoch 1$/);
    await frame.locator('.pane-a img.grid-image[src*="step-000004.grid.png"]').waitFor();
    await frame.locator('.viewport').focus();
    await session.page.keyboard.press('Home');
    await waitForText(frame, '[data-testid=where]', /^Step 0 · epoch 0$/);
    await session.page.keyboard.press('ArrowRight');
    await waitForText(frame, '[data-testid=where]', /^Step 4 · epoch 1$/);
    assert.equal(await slider.inputValue(), '1');
  });

  it('zooms with the keyboard: 1:1, whole-number steps, fit', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    const width = () => frame.locator('.pane-a img.grid-image').evaluate((img: HTMLImageElement) => img.getBoundingClientRect().width);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('1');
    await waitForText(frame, '[data-testid=zoom]', /^1×$/);
    assert.equal(await width(), 274);
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await waitForText(frame, '[data-testid=zoom]', /^3×$/);
    assert.equal(await width(), 822);
    await page.keyboard.press('-');
    await waitForText(frame, '[data-testid=zoom]', /^2×$/);
    await page.keyboard.press('0');
    await frame.locator('.viewport[data-zoom=fit]').waitFor();
  });

  it('shows the index of the cell under the pointer and, on click, the sample enlarged with its history', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('End');
    await waitForText(frame, '[data-testid=where]', /^Step 8 · epoch 2$/);
    const img = frame.locator('.pane-a img.grid-image');
    const box = (await img.boundingBox())!;
    const zoom = box.width / 274;
    // The centre of cell 10 (row 1, column 2): x = 2 + 2 * 34 + 16, y = 2 + 34 + 16.
    const at = { x: (2 + 2 * 34 + 16) * zoom, y: (2 + 34 + 16) * zoom };
    await img.hover({ position: at });
    await waitForText(frame, '[data-testid=status]', /^Sample 10 · row 1, column 2/);
    await img.click({ position: at });
    const detail = frame.locator('aside.detail');
    await detail.locator('h2', { hasText: 'Sample 10' }).waitFor();
    const tiles = detail.locator('[data-testid=history] .tile');
    assert.deepEqual(await tiles.locator('span').allInnerTexts(), ['0', '4', '8'], 'cell 10 of every grid, in step order');
    assert.equal(await detail.locator('.tile.current span').innerText(), '8');
    // Each history tile shows the cell, not the whole grid: its canvas is 32 x 32 pixels.
    assert.deepEqual(await detail.locator('canvas.cell.small').first().evaluate((c: HTMLCanvasElement) => [c.width, c.height]), [32, 32]);
    await img.hover({ position: { x: 1, y: 1 } });
    await waitForText(frame, '[data-testid=status]', /^Hover a cell/);
    await clearNotifications(page);
    await screenshot(page, 'inspector-02-cell-history');
    await tiles.nth(0).click();
    await waitForText(frame, '[data-testid=where]', /^Step 0 · epoch 0$/);
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
  });

  it('opens the playground from a sample on the checkpoint nearest its step', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('End');
    await waitForText(frame, '[data-testid=where]', /^Step 8 · epoch 2$/);
    const img = frame.locator('.pane-a img.grid-image');
    const zoom = ((await img.boundingBox())!.width) / 274;
    await img.click({ position: { x: 18 * zoom, y: 18 * zoom } });
    await frame.locator('aside.detail vscode-button', { hasText: 'Open in Playground' }).click();
    // The grid at step 8 shows the generator that checkpoint step-000008 holds.
    await page.locator('.tabs-container .tab', { hasText: 'Playground: smoke @ step 8' }).waitFor();
    await runCommand(page, 'View: Close Editor');
    await page.locator('.tabs-container .tab.active', { hasText: 'step-000008.grid.png' }).waitFor();
    await webviewFrame(page).locator('.viewport').focus();
    await page.keyboard.press('Escape');
  });

  it('keeps its step and zoom when the window reloads', async () => {
    const { page } = session;
    let frame = webviewFrame(page);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('1');
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await waitForText(frame, '[data-testid=zoom]', /^3×$/);
    await waitForText(frame, '[data-testid=where]', /^Step 0 · epoch 0$/);
    await reloadWindow(page);
    frame = webviewFrame(page);
    await waitForText(frame, '[data-testid=where]', /^Step 0 · epoch 0$/);
    await waitForText(frame, '[data-testid=zoom]', /^3×$/);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('0');
  });

  it('compares with another run at the nearest step, side by side and with a wipe', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('.viewport').focus();
    await page.keyboard.press('End');
    const select = frame.locator('vscode-single-select.compare-run');
    await select.evaluate((el: HTMLElement & { value: string }, dir: string) => {
      el.value = dir;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, runB);
    const captionB = frame.locator('.pane-b .caption');
    await captionB.filter({ hasText: /^B · other seed · step 8 · epoch 2$/ }).waitFor();
    await frame.locator('.pane-b img.grid-image').evaluate((img: HTMLImageElement) => img.decode());
    assert.match(await frame.locator('.pane-b img.grid-image').getAttribute('src') ?? '', new RegExp(path.basename(runB)));
    await clearNotifications(page);
    await screenshot(page, 'inspector-03-compare-side-by-side');
    const mode = frame.locator('vscode-single-select.compare-mode');
    await mode.evaluate((el: HTMLElement & { value: string }) => {
      el.value = 'wipe';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await frame.locator('.wipe-handle').waitFor();
    assert.equal(await frame.locator('.pane-b').count(), 0, 'one pane in wipe mode');
    const handle = (await frame.locator('.wipe-handle').boundingBox())!;
    const frameBox = (await frame.locator('.pane-a .frame').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(frameBox.x + frameBox.width * 0.25, handle.y + handle.height / 2, { steps: 5 });
    await page.mouse.up();
    const clip = await frame.locator('img.wipe-image').evaluate((img: HTMLImageElement) => img.style.clipPath);
    const percent = Number(/inset\(0(?:px)? 0(?:px)? 0(?:px)? ([\d.]+)%\)/.exec(clip)?.[1]);
    assert.ok(percent > 20 && percent < 30, `the wipe follows the handle (${clip})`);
    await clearNotifications(page);
    await screenshot(page, 'inspector-04-compare-wipe');
    await select.evaluate((el: HTMLElement & { value: string }) => {
      el.value = '';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await frame.locator('.wipe-handle').waitFor({ state: 'detached' });
  });

  it('follows the run live: grids written while the editor is open appear and the latest is shown', async () => {
    const frame = webviewFrame(session.page);
    await frame.locator('.viewport').focus();
    await session.page.keyboard.press('End');
    await waitForText(frame, '[data-testid=where]', /^Step 8 · epoch 2$/);
    resumeWithCli(runA, ['--epochs', '3', '--max-steps', '12']); // 4 more steps: a grid at step 12 (a multiple of sampleEvery and the last)
    await waitForText(frame, '.step-count', /^4 \/ 4$/);
    await waitForText(frame, '[data-testid=where]', /^Step 12 · epoch 3$/);
    await frame.locator('.pane-a img.grid-image[src*="step-000012.grid.png"]').waitFor();
  });

  it('opens the real training images too, with their cells', async () => {
    const { page } = session;
    if (!(await treeRow(page, /^Training images$/).isVisible())) {
      // The reload collapsed the tree.
      await runRow(page, 'smoke').click();
      await treeRows(page, 'Sample grids');
      await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).first().click();
    }
    await openFromTree(page, /^Training images$/, 'real.grid.png');
    const frame = webviewFrame(page);
    await waitForText(frame, '[data-testid=where]', /^Training images \(real\)$/);
    const img = frame.locator('.pane-a img.grid-image');
    await img.evaluate((i: HTMLImageElement) => i.decode());
    const zoom = ((await img.boundingBox())!.width) / 274;
    const at = { x: (2 + 3 * 34 + 16) * zoom, y: (2 + 16) * zoom };
    await img.hover({ position: at });
    await waitForText(frame, '[data-testid=status]', /^Training image 3 · row 0, column 3/);
    await img.click({ position: at });
    await frame.locator('aside.detail h2', { hasText: 'Training image 3' }).waitFor();
    await frame.locator('aside.detail', { hasText: 'the same at every step' }).waitFor();
  });

  it('explains a damaged grid and offers VS Code’s image preview', async () => {
    const { page, workspace } = session;
    const file = path.join(workspace, 'broken.grid.png');
    const good = fs.readFileSync(path.join(runA, 'samples', 'step-000000.grid.png'));
    fs.writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('broken.grid.png');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'broken.grid.png' }).first().click();
    const frame = webviewFrame(page);
    const banner = frame.locator('.banner.error');
    await banner.waitFor();
    assert.match(await banner.innerText(), /broken\.grid\.png is not a valid PNG: it is truncated/);
    assert.match(await banner.innerText(), /If it came from a run folder, copy it from there again/);
    await clearNotifications(page);
    await screenshot(page, 'inspector-05-damaged-grid');
    await frame.locator('vscode-button', { hasText: 'Open with Image Preview' }).click();
    await page.locator('.tabs-container .tab.active', { hasText: 'broken.grid.png' }).waitFor();
  });
});
