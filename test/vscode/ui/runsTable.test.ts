/**
 * The runs table in a real VS Code (Playwright), on a workspace of 300 generated runs: open it from
 * the Runs view's title bar, filter by expression, sort, tag a run (written to its notes.json),
 * group by seed, the parallel-coordinates view, and open two runs in the dashboard's Compare.
 * Screenshots: runs-table, runs-table-parallel (under $GAN_STUDIO_SCREENSHOTS).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FrameLocator } from 'playwright-core';
import { generateRuns } from '../../../bench/generateRuns';
import type { RunManifest } from '../../../src/protocol/runFormat';
import { screenshot, webviewFrame } from '../harness';
import { openUiSession, screenshotOnFailure, UiSession } from './session';

const COUNT = 300;

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function shownRows(frame: FrameLocator): Promise<number> {
  return Number(await frame.locator('body').getAttribute('data-rows'));
}

describe('Runs table on 300 generated runs (UI)', () => {
  let session: UiSession;
  let dirs: string[];
  let manifests: RunManifest[];
  before(async () => {
    session = await openUiSession('ui-runs-table');
    dirs = generateRuns(path.join(session.workspace, '.gan-studio', 'runs'), COUNT, { metricsRecords: 30 });
    manifests = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(d, 'run.json'), 'utf8')) as RunManifest);
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('opens from the Runs view title bar with every run', async () => {
    const { page } = session;
    await page.locator('.part.sidebar .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await page.locator('.part.sidebar .action-label[aria-label="Open Runs Table"]').first().click();
    const frame = webviewFrame(page);
    await frame.locator('table.runs').waitFor();
    await until(async () => (await shownRows(frame)) === COUNT, `${COUNT} rows`);
    const headers = await frame.locator('table.runs th').allInnerTexts();
    for (const h of ['status', 'name', 'tags', 'seed', 'batchSize', 'learningRate', 'loss D', 'loss G', 'steps', 'duration', 'backend']) {
      assert.ok(headers.some((x) => x.trim() === h), `column "${h}" in ${JSON.stringify(headers)}`);
    }
    assert.ok(!headers.some((x) => x.trim() === 'latentSize'), 'a key that is the same for every run has no column');
  });

  it('filters by an expression and says what is wrong with a bad one', async () => {
    const frame = webviewFrame(session.page);
    const expected = manifests.filter((m) => m.config.learningRate < 2e-4 && m.status === 'completed').length;
    await frame.locator('vscode-textfield.expression').click();
    await session.page.keyboard.type('lr < 2e-4 and statuz = completed');
    await frame.locator('.filter-problem', { hasText: 'Unknown column "statuz" — did you mean "status"?' }).waitFor();
    for (let i = 0; i < 'statuz = completed'.length; i++) await session.page.keyboard.press('Backspace');
    await session.page.keyboard.type('status = completed');
    await until(async () => (await shownRows(frame)) === expected, `${expected} rows for lr < 2e-4 and status = completed`);
    assert.ok(await frame.locator('.filter-problem').isHidden());
  });

  it('sorts by a result column', async () => {
    const frame = webviewFrame(session.page);
    await frame.locator('th[data-column="result.lossD"]').click();
    await frame.locator('th[data-column="result.lossD"][aria-sort="ascending"]').waitFor();
    const index = (await frame.locator('table.runs th').allInnerTexts()).findIndex((t) => t.trim() === 'loss D');
    const column = await frame.locator(`table.runs tbody tr td:nth-child(${index + 1})`).allInnerTexts();
    const numbers = column.map(Number).filter(Number.isFinite);
    assert.ok(numbers.length > 5);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'ascending loss D');
  });

  it('tags a run in the table, stored in its notes.json', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    const first = frame.locator('table.runs tbody tr').first();
    const key = (await first.getAttribute('data-key'))!;
    await first.locator('td.tags').click();
    await first.locator('td.tags input').fill('picked, Best run');
    await page.keyboard.press('Enter');
    await until(() => fs.existsSync(path.join(key, 'notes.json')) && /"best-run"/.test(fs.readFileSync(path.join(key, 'notes.json'), 'utf8')), 'notes.json with the tags');
    const notes = JSON.parse(fs.readFileSync(path.join(key, 'notes.json'), 'utf8')) as { tags: string[] };
    assert.deepEqual(notes.tags, ['picked', 'best-run']);
    await frame.locator('table.runs tbody tr').first().locator('.tag', { hasText: 'best-run' }).waitFor();
  });

  it('groups runs that differ only by seed, with mean and spread', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('vscode-textfield.expression').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await until(async () => (await shownRows(frame)) === COUNT, 'all rows again');
    await frame.locator('vscode-button.group-toggle').click();
    await frame.locator('table.runs tr.group').first().waitFor();
    // 4 learning rates x 3 batch sizes: 12 configurations, each over seeds 1-3 (and repeats).
    assert.equal(await frame.locator('table.runs tr.group').count(), 12);
    assert.match(await frame.locator('.summary').innerText(), /300 of 300 runs in 12 groups/);
    assert.match(await frame.locator('table.runs tr.group').first().innerText(), /\d\.\d{3} ± \d\.\d{3}/);
    await screenshot(page, 'runs-table');
    await frame.locator('vscode-button.group-toggle').click();
  });

  it('shows config keys against a result in parallel coordinates', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    await frame.locator('vscode-button.view-toggle').click();
    await frame.locator('svg.parallel').waitFor();
    assert.equal(await frame.locator('svg.parallel .line').count(), COUNT, 'a line per run (runs without the result end before its axis)');
    const labels = await frame.locator('svg.parallel .axis-label').allTextContents();
    assert.deepEqual(labels.slice(-1), ['loss D'], 'the result is the last axis');
    assert.ok(labels.includes('learningRate (log)') || labels.includes('learningRate'), JSON.stringify(labels));
    await screenshot(page, 'runs-table-parallel');
    await frame.locator('vscode-button.view-toggle').click();
  });

  it('opens two selected runs in the dashboard’s Compare', async () => {
    const { page } = session;
    const frame = webviewFrame(page);
    const rows = frame.locator('table.runs tbody tr');
    const names = [await rows.nth(0).getAttribute('data-name'), await rows.nth(1).getAttribute('data-name')];
    await rows.nth(0).locator('td.select input').check();
    await rows.nth(1).locator('td.select input').check();
    await frame.locator('vscode-button.compare').click();
    await page.locator('.tabs-container .tab', { hasText: `${names[0]} · Dashboard` }).waitFor();
    // The dashboard opens beside the table: look in every visible webview.
    const frames = page.locator('iframe.webview.ready').filter({ visible: true });
    await until(async () => {
      for (let i = 0; i < (await frames.count()); i++) {
        const legend = frames.nth(i).contentFrame().locator('iframe#active-frame').contentFrame().locator('[data-chart="losses"] .chart-legend');
        if ((await legend.getByText(`${names[1]} · loss_D`, { exact: true }).count()) > 0) return true;
      }
      return false;
    }, `the dashboard comparing "${names[0]}" with "${names[1]}"`, 60_000);
  });
});
