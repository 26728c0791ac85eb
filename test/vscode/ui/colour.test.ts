/**
 * A colour run in the real VS Code: a folder of colour images (made here with sharp, or the run
 * given in $GAN_STUDIO_COLOUR_RUN, e.g. the README's tinted-FashionMNIST run) trained with
 * `dataset: "folder"`; its grids show in colour in the inspector (whose pixel readout gives RGB
 * values) and the dashboard, whose header names the data set and says that quality is not measured.
 * The generator playground paints the generated images in colour too.
 * Screenshots: colour-01-inspector, colour-02-dashboard, colour-03-playground (under $GAN_STUDIO_SCREENSHOTS).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { runCommand, screenshot, treeRows, webviewFrame } from '../harness';
import { clearNotifications, openUiSession, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

/** 48 images of coloured discs on black, one hue per image, in sizes from 40 to 87 pixels. */
async function writeColourFolder(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 48; i++) {
    const size = 40 + i;
    const hue = (i * 47) % 360;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="black"/><circle cx="${size / 2}" cy="${size / 2}" r="${size / 3}" fill="hsl(${hue},90%,55%)"/></svg>`;
    await sharp(Buffer.from(svg)).png().toFile(path.join(dir, `disc-${String(i).padStart(2, '0')}.png`));
  }
}

function copyRun(from: string, workspace: string): string {
  const to = path.join(workspace, '.gan-studio', 'runs', path.basename(from));
  fs.cpSync(from, to, { recursive: true, filter: (f) => !f.endsWith('trainer.lock') });
  return to;
}

describe('A colour run (UI)', () => {
  let session: UiSession;
  let runName: string;
  before(async () => {
    const showcase = process.env.GAN_STUDIO_COLOUR_RUN;
    session = await openUiSession('ui-colour', { 'workbench.colorTheme': 'Default Dark Modern' });
    if (showcase) {
      const runDir = copyRun(showcase, session.workspace);
      runName = (JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { name: string }).name;
    } else {
      const images = path.join(session.workspace, 'discs');
      await writeColourFolder(images);
      runName = 'colour discs';
      trainWithCli(session.workspace, { name: runName, dataset: 'folder', datasetPath: images, evalEvery: 4 });
    }
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('shows the grids in colour in the inspector, with RGB pixel values', async () => {
    const { page } = session;
    await runRow(page, runName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).click(); // runRow takes a pattern
    await treeRows(page, 'Sample grids');
    await page.mouse.move(800, 700); // away from the row, whose tooltip would cover the tree
    await page.keyboard.press('Escape');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).first().click();
    const steps = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Step [\d,]+$/ }) });
    await steps.first().waitFor();
    for (let attempt = 0; attempt < 4; attempt++) {
      await steps.first().click(); // the latest grid
      if (await page.locator('.tabs-container .tab', { hasText: '.grid.png' }).first().waitFor({ timeout: 10_000 }).then(() => true, () => false)) break;
    }
    const frame = webviewFrame(page);
    const image = frame.locator('.pane-a img.grid-image').first();
    await image.waitFor();
    await frame.locator('.pane-a img.grid-image').first().evaluate(
      (img: HTMLImageElement) => new Promise<void>((resolve) => (img.complete && img.naturalWidth > 0 ? resolve() : img.addEventListener('load', () => resolve(), { once: true }))),
    );
    // Colour: some pixel of the grid has channels that differ.
    const coloured = await image.evaluate((img: HTMLImageElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - d[i + 1]) > 20 || Math.abs(d[i + 1] - d[i + 2]) > 20) n++;
      return n;
    });
    assert.ok(coloured > 100, `the grid is in colour (${coloured} coloured pixels)`);
    await clearNotifications(page);
    const box = (await frame.locator('.pane-a .frame, .pane-a').first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await frame.locator('[data-testid=status]', { hasText: /pixel \(\d+, \d+\): (RGB \d+, \d+, \d+|grey \d+)/ }).waitFor();
    await screenshot(page, 'colour-01-inspector');
  });

  it('opens the dashboard, whose header names the data set and says that quality is not measured', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors'); // the dashboard is then the only webview
    await runCommand(page, 'GAN Studio: Open Run');
    const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: runName }).first();
    if (await row.waitFor({ timeout: 5_000 }).then(() => true, () => false)) await row.click();
    await page.locator('.tabs-container .tab', { hasText: `${runName} · Dashboard` }).waitFor();
    const frame = webviewFrame(page);
    await frame.locator('#grid-large').evaluate((img: HTMLImageElement) => img.decode());
    const header = await frame.locator('.config').first().innerText();
    assert.match(header, /folder \w+/);
    assert.match(header, /sample quality not measured/);
    await clearNotifications(page);
    await screenshot(page, 'colour-02-dashboard');
  });

  it('paints the playground\'s generated grid in colour', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    const checkpoints = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Checkpoints' }).first();
    // The run's row is expanded by the first test; a click would fold it.
    if (!(await checkpoints.isVisible())) await runRow(page, runName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).click();
    await treeRows(page, 'Checkpoints');
    await page.mouse.move(800, 700);
    await page.keyboard.press('Escape');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Checkpoints' }).first().click();
    const checkpoint = page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^Step [\d,]+ · epoch/ }) }).first();
    await checkpoint.hover();
    await checkpoint.locator('.action-label[aria-label="Open Generator Playground"]').click();
    await page.locator('.tabs-container .tab', { hasText: `Playground: ${runName}` }).waitFor();
    const frame = webviewFrame(page);
    const grid = frame.locator('canvas[data-testid=grid]');
    await grid.waitFor({ timeout: 120_000 });
    const coloured = async () =>
      grid.evaluate((c: HTMLCanvasElement) => {
        if (c.dataset.complete !== 'true' || c.width < 10) return 0;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        // A few steps of a tiny model give faint colours: any pixel whose channels differ (grey painting gives none).
        for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++;
        return n;
      });
    const deadline = Date.now() + 120_000;
    let n = 0;
    while ((n = await coloured()) <= 100 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.ok(n > 100, `the playground's grid is in colour (${n} coloured pixels)`);
    await clearNotifications(page);
    await screenshot(page, 'colour-03-playground');
  });

  it('Customize… asks for the data set, its folder and the channels', async () => {
    const { page } = session;
    await runCommand(page, 'GAN Studio: Train GAN');
    const widget = page.locator('.quick-input-widget');
    const row = (label: RegExp) => widget.locator('.quick-input-list .monaco-list-row').filter({ hasText: label }).first();
    await row(/Customize…/).click();
    const title = widget.locator('.quick-input-title');
    // Epochs, batch size, learning rate and latent size keep their values.
    for (const step of ['epochs', 'batch size', 'learning rate', 'latent size']) {
      await title.filter({ hasText: `Customize: ${step}` }).waitFor();
      await page.keyboard.press('Enter');
    }
    await title.filter({ hasText: 'Customize: data set' }).waitFor();
    for (const dataset of ['fashion-mnist', 'mnist', 'kmnist', 'cifar10', 'folder']) await row(new RegExp(`^${dataset}`)).waitFor();
    await row(/^cifar10/).click();
    await title.filter({ hasText: 'Customize: data set folder' }).waitFor();
    await page.keyboard.type('/no/such/folder');
    await widget.locator('.quick-input-message', { hasText: /is not a folder/ }).waitFor();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Enter');
    await title.filter({ hasText: 'Customize: channels' }).waitFor();
    for (const label of [/^From the data set/, /^1 \(grey\)/, /^3 \(RGB colour\)/]) await row(label).waitFor();
    await page.keyboard.press('Escape');
  });
});
