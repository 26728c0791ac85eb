/**
 * A sweep in a real VS Code (Playwright): "Train GAN" on an experiment file with
 * `"sweep": {"learningRate": [0.0001, 0.0002]}` (the smoke preset) trains both combinations, the
 * Runs view shows one sweep node (2/2 completed) with both runs under it, and its context menu
 * opens the dashboard comparing them and the runs table filtered to the sweep, with the swept key
 * as the config column. Screenshots: sweep-runs-tree, sweep-comparison, sweep-table.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { runCommand, screenshot, webviewFrame } from '../harness';
import { clearNotifications, openUiSession, screenshotOnFailure, UiSession } from './session';

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The Runs tree row whose label is exactly `label`. */
function row(page: Page, label: string) {
  return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).first();
}

async function contextMenu(page: Page, label: string, action: string): Promise<void> {
  await row(page, label).click({ button: 'right' });
  // A menu item takes a hover (which focuses it) and Enter; a plain click can land before the menu listens.
  const item = page.locator('.context-view .action-label', { hasText: action });
  await item.hover();
  await page.keyboard.press('Enter');
  await item.waitFor({ state: 'hidden' });
}

export const SWEEP_FILE = { preset: 'smoke', sweep: { learningRate: [0.0001, 0.0002] } };
/** Long enough to stop while its first member trains. */
const LONG_SWEEP_FILE = { preset: 'smoke', epochs: 50, maxSteps: 600, trainSubset: 640, sweep: { seed: [1, 2] } };

function readSweepOf(workspace: string, name: string): { state: string; members: { status: string; runId: string | null }[] } {
  const root = path.join(workspace, '.gan-studio', 'runs', 'sweeps');
  for (const id of fs.readdirSync(root)) {
    const m = JSON.parse(fs.readFileSync(path.join(root, id, 'sweep.json'), 'utf8'));
    if (m.name === name) return m;
  }
  throw new Error(`no sweep named ${name}`);
}

describe('Sweeps: train every combination, one sweep node, compare (UI)', () => {
  let session: UiSession;
  before(async () => {
    session = await openUiSession('ui-sweep', {}, {
      prepareWorkspace: (ws) => {
        fs.writeFileSync(path.join(ws, 'lr-sweep.gan.json'), JSON.stringify(SWEEP_FILE, null, 2));
        fs.writeFileSync(path.join(ws, 'long-sweep.gan.json'), JSON.stringify(LONG_SWEEP_FILE, null, 2));
      },
    });
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('trains both members from Train GAN and shows them under one sweep node', async () => {
    const { page } = session;
    await runCommand(page, 'GAN Studio: Train GAN');
    const item = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'lr-sweep' }).first();
    await item.waitFor();
    await item.click();
    const sweep = row(page, 'lr-sweep');
    await sweep.waitFor();
    await until(async () => /sweep 2\/2 · completed/.test(await sweep.innerText()), 'the sweep node to say 2/2 completed', 240_000);
    await row(page, 'lr-sweep lr=0.0001').waitFor();
    await row(page, 'lr-sweep lr=0.0002').waitFor();
    for (const member of ['lr-sweep lr=0.0001', 'lr-sweep lr=0.0002']) {
      await row(page, member).locator('.codicon-pass-filled').waitFor();
      const indent = async (label: string) => Number(await row(page, label).getAttribute('aria-level'));
      assert.equal(await indent(member), (await indent('lr-sweep')) + 1, `${member} sits under the sweep node`);
    }
    const root = path.join(session.workspace, '.gan-studio', 'runs');
    const [id] = fs.readdirSync(path.join(root, 'sweeps'));
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'sweeps', id, 'sweep.json'), 'utf8')) as { state: string; members: { status: string }[] };
    assert.equal(manifest.state, 'completed');
    assert.deepEqual(manifest.members.map((m) => m.status), ['completed', 'completed']);
    await clearNotifications(page);
    await screenshot(page, 'sweep-runs-tree');
  });

  it('opens the dashboard comparing the sweep’s runs from the sweep node', async () => {
    const { page } = session;
    await contextMenu(page, 'lr-sweep', 'Open Sweep Comparison');
    await page.locator('.tabs-container .tab', { hasText: 'lr-sweep lr=0.0001 · Dashboard' }).waitFor();
    const legend = webviewFrame(page).locator('[data-chart="losses"] .chart-legend');
    await legend.getByText('lr-sweep lr=0.0002 · loss_D', { exact: true }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'sweep-comparison');
  });

  it('opens the runs table filtered to the sweep, with the swept key as a column', async () => {
    const { page } = session;
    await contextMenu(page, 'lr-sweep', 'Open Sweep in Runs Table');
    await page.locator('.tabs-container .tab', { hasText: 'Runs · sweep lr-sweep' }).waitFor();
    const frames = page.locator('iframe.webview.ready').filter({ visible: true });
    let headers: string[] = [];
    await until(async () => {
      for (let i = 0; i < (await frames.count()); i++) {
        const table = frames.nth(i).contentFrame().locator('iframe#active-frame').contentFrame().locator('table.runs');
        if ((await table.count()) === 0 || (await table.locator('tbody tr').count()) !== 2) continue;
        headers = (await table.locator('th').allInnerTexts()).map((h) => h.trim());
        return true;
      }
      return false;
    }, 'the runs table with the sweep’s two runs');
    assert.ok(headers.includes('learningRate'), JSON.stringify(headers));
    await screenshot(page, 'sweep-table');
  });

  it('stops a sweep from its node and resumes it where it stopped', async () => {
    const { page } = session;
    await runCommand(page, 'GAN Studio: Train GAN');
    const item = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'long-sweep' }).first();
    await item.waitFor();
    await item.click();
    await row(page, 'long-sweep seed=1').waitFor({ timeout: 120_000 });
    await until(async () => /sweep 0\/2 · running/.test(await row(page, 'long-sweep').innerText()), 'the sweep node to say running');
    await contextMenu(page, 'long-sweep', 'Stop Sweep');
    await until(async () => /sweep 0\/2 · stopped/.test(await row(page, 'long-sweep').innerText()), 'the sweep node to say stopped', 120_000);
    await row(page, 'seed=2').waitFor();
    const stopped = readSweepOf(session.workspace, 'long-sweep');
    assert.equal(stopped.state, 'stopped');
    assert.deepEqual(stopped.members.map((m) => m.status), ['stopped', 'pending']);
    const firstRun = stopped.members[0].runId;

    await contextMenu(page, 'long-sweep', 'Resume Sweep');
    await until(async () => /sweep 2\/2 · completed/.test(await row(page, 'long-sweep').innerText()), 'the resumed sweep to complete', 300_000);
    const done = readSweepOf(session.workspace, 'long-sweep');
    assert.equal(done.state, 'completed');
    assert.equal(done.members[0].runId, firstRun, 'the stopped member continued in its own run folder');
    const run = JSON.parse(fs.readFileSync(path.join(session.workspace, '.gan-studio', 'runs', firstRun!, 'run.json'), 'utf8')) as { status: string; progress: { step: number }; checkpoints: { reason: string }[] };
    assert.equal(run.status, 'completed');
    assert.equal(run.progress.step, 600);
    assert.ok(run.checkpoints.some((c) => c.reason === 'stop'), 'it was stopped with a checkpoint and resumed from it');
  });
});
