/**
 * A conditional run as a user sees it (Playwright in a real VS Code): its sample grids are one row
 * of 8 per class, and the dashboard and the grid inspector name the class beside each row.
 * The run is a conditional smoke run trained with the CLI; GAN_STUDIO_CONDITIONAL_RUN may name a
 * finished conditional run folder to show instead (the README's screenshot shows a quick run).
 * Screenshots go to $GAN_STUDIO_SCREENSHOTS (default test-results/screenshots).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { runCommand, screenshot, treeRows, webviewFrame } from '../harness';
import { clearNotifications, openUiSession, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** Waits until a playground canvas shows every image of its newest request; returns its size. */
async function drawnSize(canvas: Locator, width: number): Promise<number[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [w, h, complete] = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height, c.dataset.complete === 'true'] as const);
    if (complete && w === width) return [w, h];
    if (Date.now() > deadline) throw new Error(`canvas still ${w}x${h} (complete ${complete}), expected width ${width}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function choose(select: Locator, value: string): Promise<void> {
  await select.evaluate((el: HTMLElement & { value: string }, v: string) => {
    el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
}

async function pick(page: Page, label: RegExp): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor();
  await row.click();
}

/** The class names shown beside the rows, and whether each sits at the height of its row's centre (within 2 screen pixels). */
async function labelsAtRows(frame: FrameLocator, labels: string, image: string): Promise<{ names: string[]; offsets: number[] }> {
  const names = await frame.locator(labels).allInnerTexts();
  // Both in the webview's own coordinates.
  const img = await frame.locator(image).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { y: r.top, height: r.height };
  });
  const boxes = await frame.locator(labels).evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => r.top + r.height / 2));
  // 10 rows of 32-pixel images with 2 pixels of padding: row r's centre is at 2 + 34 r + 16 grid pixels.
  const pitch = img.height * (34 / 342);
  const offsets = boxes.map((y, r) => Math.abs(y - (img.y + (2 + 16) * (img.height / 342) + r * pitch)));
  return { names, offsets };
}

describe('Conditional run: class names beside the grid rows (UI)', () => {
  let session: UiSession;
  let runName: string;

  before(async () => {
    const shown = process.env.GAN_STUDIO_CONDITIONAL_RUN;
    session = await openUiSession('ui-conditional', { 'workbench.colorTheme': 'Default Dark Modern' }, {
      prepareWorkspace: (workspace) => {
        if (!shown) return;
        const runs = path.join(workspace, '.gan-studio', 'runs');
        fs.mkdirSync(runs, { recursive: true });
        fs.cpSync(shown, path.join(runs, path.basename(shown)), { recursive: true });
      },
    });
    runName = shown ? (JSON.parse(fs.readFileSync(path.join(shown, 'run.json'), 'utf8')) as { name: string }).name : 'conditional';
    if (!shown) trainWithCli(session.workspace, { name: 'conditional', conditional: true });
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('the dashboard names each row of the sample grid with its class', async () => {
    const { page } = session;
    await runCommand(page, 'Notifications: Toggle Do Not Disturb Mode');
    await runCommand(page, 'GAN Studio: Open Run');
    await pick(page, new RegExp(runName));
    await page.locator('.tabs-container .tab', { hasText: `${runName} · Dashboard` }).waitFor();
    const frame = webviewFrame(page);
    await frame.locator('#grid-row-labels .grid-row-label').nth(9).waitFor();
    assert.equal(await frame.locator('#grid-large').evaluate((img: HTMLImageElement) => img.decode().then(() => `${img.naturalWidth}x${img.naturalHeight}`)), '274x342');
    // The labels follow the image's layout (it settles after the image decodes).
    let placed = await labelsAtRows(frame, '#grid-row-labels .grid-row-label', '#grid-large');
    for (let i = 0; i < 20 && placed.offsets.some((d) => d > 2); i++) {
      await page.waitForTimeout(100);
      placed = await labelsAtRows(frame, '#grid-row-labels .grid-row-label', '#grid-large');
    }
    assert.deepEqual(placed.names, CLASS_NAMES);
    assert.ok(placed.offsets.every((d) => d <= 2), `each name at its row's centre (offsets ${placed.offsets.map((d) => d.toFixed(1)).join(', ')} px)`);
    assert.match(await frame.locator('.card.timeline .card-hint').innerText(), /one row per class/);
    await frame.locator('.card.timeline').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'conditional-dashboard');
  });

  it('the grid inspector names the rows too, and the selected sample’s class', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await runRow(page, runName).click();
    await treeRows(page, 'Sample grids');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).first().click();
    const last = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Step [\d,]+$/ }) }).first(); // the newest grid
    await last.waitFor();
    for (let attempt = 0; attempt < 4 && (await page.locator('.tabs-container .tab', { hasText: '.grid.png' }).count()) === 0; attempt++) {
      await last.click();
      await page.locator('.tabs-container .tab', { hasText: '.grid.png' }).waitFor({ timeout: 10_000 }).catch(() => undefined);
    }
    const frame = webviewFrame(page);
    const labels = frame.locator('[data-testid=row-labels-a] .row-label');
    await labels.nth(9).waitFor();
    assert.deepEqual(await labels.allInnerTexts(), CLASS_NAMES);
    const img = (await frame.locator('.pane-a img.grid-image').boundingBox())!;
    const zoom = img.width / 274;
    // Click the first image of row 7 (Sneaker).
    await page.mouse.click(img.x + (2 + 16) * zoom, img.y + (2 + 7 * 34 + 16) * zoom);
    await frame.locator('.detail-sub', { hasText: /^Row 7 \(Sneaker\), column 0/ }).waitFor();
    await clearNotifications(page).catch(() => undefined);
    await screenshot(page, 'conditional-inspector');
  });

  it('the playground offers a class picker: one row per class, one latent under every class, and class to class', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Checkpoints' }).first().click();
    const checkpoint = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Step [\d,]+ · epoch/ }) }).first();
    await checkpoint.hover();
    await checkpoint.locator('.action-label[aria-label="Open Generator Playground"]').click();
    await page.locator('.tabs-container .tab', { hasText: `Playground: ${runName}` }).waitFor();
    const frame = webviewFrame(page);
    const classSelect = frame.locator('[data-testid=class-select]');
    await classSelect.waitFor({ timeout: 120_000 });
    const grid = frame.locator('canvas[data-testid=grid]');
    assert.deepEqual(await drawnSize(grid, 274), [274, 274], '64 images in rows of 8, a class per row');
    assert.equal(await frame.locator('vscode-single-select[aria-label="Class A"]').isVisible(), false, 'class A and B only for the class-to-class strip');
    const strip = frame.locator('canvas[data-testid=strip]');
    await choose(frame.locator('[data-testid=strip-mode]'), 'everyClass');
    const pitch = 34;
    assert.deepEqual(await drawnSize(strip, 10 * pitch + 2), [10 * pitch + 2, pitch + 2], 'the selected latent under each of the 10 classes');
    await choose(frame.locator('[data-testid=strip-mode]'), 'classes');
    await choose(frame.locator('vscode-single-select[aria-label="Class B"]'), '9');
    await drawnSize(strip, 8 * pitch + 2);
    const before = Number(await grid.getAttribute('data-seq'));
    await choose(classSelect, '7');
    const deadline = Date.now() + 120_000;
    while (!(Number(await grid.getAttribute('data-seq')) > before && (await grid.getAttribute('data-complete')) === 'true')) {
      if (Date.now() > deadline) throw new Error('the grid of class 7 was not drawn');
      await page.waitForTimeout(100);
    }
    await choose(frame.locator('[data-testid=strip-mode]'), 'everyClass');
    await drawnSize(strip, 10 * pitch + 2);
    assert.equal(await frame.locator('vscode-textfield[aria-label="Sample A"]').isVisible(), false, 'no samples A and B for the latent under every class');
    await strip.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'conditional-playground');
  });
});
