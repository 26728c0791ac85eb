/**
 * Sample quality in a real VS Code (Playwright): two evaluated runs trained with the CLI (the smoke
 * preset, measured by the real evaluator every 2 steps), the dashboard's Sample quality card with
 * the second run overlaid, the runs table sorted by best FID, and the latest grid visible without
 * scrolling in a dashboard panel 600 px wide. Screenshots (under $GAN_STUDIO_SCREENSHOTS):
 * quality-card, runs-table-best-fid, dashboard-600px.
 *
 * With GAN_STUDIO_UI_QUALITY_RUNS=DIR the run folders in DIR are copied into the workspace instead
 * of training (the README's screenshots show real quick runs this way); the first two runs by name
 * are the shown and the compared one.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { runCommand, screenshot, until, webviewFrame } from '../harness';
import { clearNotifications, openUiSession, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

const EVALUATED = { evalEvery: 2, evalAfter: 2, evalSamples: 64 };

/** The runs of the workspace: copied from $GAN_STUDIO_UI_QUALITY_RUNS, or two evaluated smoke runs trained here. */
function prepareRuns(workspace: string): string[] {
  const runsRoot = path.join(workspace, '.gan-studio', 'runs');
  const source = process.env.GAN_STUDIO_UI_QUALITY_RUNS;
  if (source) {
    fs.mkdirSync(runsRoot, { recursive: true });
    const names: string[] = [];
    for (const entry of fs.readdirSync(source).sort()) {
      const from = path.join(source, entry);
      if (!fs.existsSync(path.join(from, 'run.json'))) continue;
      fs.cpSync(from, path.join(runsRoot, entry), { recursive: true });
      names.push((JSON.parse(fs.readFileSync(path.join(from, 'run.json'), 'utf8')) as { name: string }).name);
    }
    if (names.length < 2) throw new Error(`GAN_STUDIO_UI_QUALITY_RUNS=${source} holds ${names.length} runs; give a folder of at least two evaluated runs.`);
    return names.sort();
  }
  trainWithCli(workspace, { name: 'quality a', ...EVALUATED });
  trainWithCli(workspace, { name: 'quality b', learningRate: 0.001, ...EVALUATED });
  return ['quality a', 'quality b'];
}

/** Opens a run's dashboard from its Runs tree row and returns the dashboard's frame. */
async function openDashboard(page: Page, name: string): Promise<FrameLocator> {
  const row = runRow(page, name);
  await row.waitFor();
  await row.hover();
  await row.locator('.action-label[aria-label^="Open Run"]').click();
  await page.locator('.tabs-container .tab', { hasText: `${name} · Dashboard` }).waitFor();
  const frame = webviewFrame(page);
  await frame.locator('#quality-card').waitFor();
  return frame;
}

describe('Sample quality: the quality card, best FID in the runs table, the grid at 600 px (UI)', () => {
  let session: UiSession;
  let names: string[];
  before(async () => {
    session = await openUiSession('ui-quality', { 'workbench.colorTheme': 'Default Light Modern' }, { prepareWorkspace: (ws) => (names = prepareRuns(ws)) });
    await runCommand(session.page, 'Notifications: Toggle Do Not Disturb Mode');
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('draws FID, KID and precision/recall over steps with a compared run overlaid, and the class coverage strip', async () => {
    const { page } = session;
    const frame = await openDashboard(page, names[0]);
    const fid = frame.locator('#quality-fid');
    await fid.waitFor();
    assert.equal(await fid.getAttribute('data-evaluated'), '1');
    await frame.locator('#compare').click();
    await frame.locator('#compare li.option', { has: frame.locator('.option-label', { hasText: new RegExp(`^${names[1]}$`) }) }).click();
    await page.keyboard.press('Escape');
    await until(async () => (await frame.locator('#quality-fid').getAttribute('data-evaluated')) === '2', 'the compared run overlaid on the FID chart');
    for (const id of ['#quality-kid', '#quality-pr']) assert.equal(await frame.locator(id).getAttribute('data-runs'), '2', id);
    assert.match(await frame.locator('#quality-headline').innerText(), /^best FID \d+\.\d\d @ \d+ · latest \d+\.\d\d, coverage \d\.\d\d/);
    await frame.locator('#coverage-strip canvas.coverage-canvas').waitFor();
    await clearNotifications(page);
    await frame.locator('#quality-card').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'quality-card');
  });

  it('shows the latest grid without scrolling in a dashboard panel 600 px wide', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    const frame = await openDashboard(page, names[0]);
    // Size the window so that the dashboard's webview is 600 px wide (the sidebar stays open).
    const webview = page.locator('iframe.webview.ready').filter({ visible: true }).first();
    for (let i = 0; i < 3; i++) {
      const box = (await webview.boundingBox())!;
      if (Math.abs(box.width - 600) <= 4) break;
      const viewport = page.viewportSize()!;
      await page.setViewportSize({ width: Math.round(viewport.width + 600 - box.width), height: viewport.height });
      await page.waitForTimeout(500);
    }
    const panel = (await webview.boundingBox())!;
    assert.ok(Math.abs(panel.width - 600) <= 4, `the dashboard panel is ${panel.width} px wide`);
    const grid = frame.locator('#grid-large');
    await until(async () => (await grid.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))) > 0, 'the latest grid loaded');
    assert.equal(await frame.locator('body').evaluate(() => document.scrollingElement?.scrollTop ?? 0), 0, 'not scrolled');
    const box = (await grid.boundingBox())!;
    assert.ok(box.width >= 200, `the grid is shown at a useful size (${box.width} px)`);
    assert.ok(box.x >= panel.x && box.x + box.width <= panel.x + panel.width + 1, `the grid (x ${box.x}-${box.x + box.width}) lies within the panel (${panel.x}-${panel.x + panel.width})`);
    assert.ok(box.y >= panel.y && box.y + box.height <= panel.y + panel.height + 1, `the grid (y ${box.y}-${box.y + box.height}) lies within the panel (${panel.y}-${panel.y + panel.height}) without scrolling`);
    await clearNotifications(page);
    await screenshot(page, 'dashboard-600px');
    await page.setViewportSize({ width: 1400, height: 860 });
  });

  it('sorts the runs table by best FID', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.part.sidebar .action-label[aria-label="Open Runs Table"]').first().click();
    const frame = webviewFrame(page);
    await frame.locator('table.runs').waitFor();
    const header = frame.locator('th[data-column="result.bestFid"]');
    await header.click();
    await frame.locator('th[data-column="result.bestFid"][aria-sort="ascending"]').waitFor();
    const index = (await frame.locator('table.runs th').allInnerTexts()).findIndex((t) => /best FID/i.test(t.trim()));
    assert.ok(index >= 0, 'a best FID column');
    const values = (await frame.locator(`table.runs tbody tr td:nth-child(${index + 1})`).allInnerTexts()).map(Number).filter(Number.isFinite);
    assert.ok(values.length >= 2, `best FID of every evaluated run: ${JSON.stringify(values)}`);
    assert.deepEqual(values, [...values].sort((a, b) => a - b), 'ascending best FID');
    await clearNotifications(page);
    await screenshot(page, 'runs-table-best-fid');
  });
});
