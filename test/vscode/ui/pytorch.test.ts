/**
 * Bring your own GAN in a real VS Code (Playwright): the lesson's DCGAN trained by PyTorch
 * (python/gan_studio_example.py with the Python logger; Debian's python3-torch) shows up in the
 * Runs view marked external, passes the run folder validator, opens in the dashboard (curves,
 * grid timeline), the grid inspector and, from its ONNX generator, the playground; a script
 * followed live and then killed shows as interrupted. Tiny settings: 256 images, width 16, 24 steps (seconds).
 * $GAN_STUDIO_BYOG_ARGS replaces the example's training arguments (e.g. a longer run for the
 * README's screenshot).
 */
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { runsCheck } from '../../../src/cli/runsCheck';
import { runCommand, screenshot, treeRows, until, webviewFrame } from '../harness';
import { REPO_ROOT, testDataDir } from '../shared';
import { clearNotifications, openUiSession, runRow, screenshotOnFailure, UiSession } from './session';

const TINY = ['--subset', '256', '--batch-size', '32', '--width', '16', '--epochs', '3', '--log-every', '2', '--sample-every', '8', '--threads', '1', '--onnx'];

/** An interpreter that has PyTorch: $GAN_STUDIO_PYTHON, Debian's (python3-torch), or python3 on the PATH. */
function torchPython(): string {
  const candidates = [process.env.GAN_STUDIO_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const found = candidates.find((c) => spawnSync(c, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0);
  if (!found) throw new Error(`No Python with PyTorch among ${candidates.join(', ')}: apt-get install python3-torch (Debian), or set GAN_STUDIO_PYTHON`);
  return found;
}

function exampleArgs(workspace: string, name: string, training: string[]): string[] {
  return [path.join(REPO_ROOT, 'python', 'gan_studio_example.py'), '--data', testDataDir(), '--runs', path.join(workspace, '.gan-studio', 'runs'), '--name', name, ...training];
}

const rowsOf = async (frame: FrameLocator) => Number(await frame.locator('[data-chart="losses"]').getAttribute('data-rows', { timeout: 5_000 }));

describe('Bring your own GAN: a PyTorch run (UI)', () => {
  let session: UiSession;
  let python: string;
  let live: ChildProcess | undefined;

  before(async () => {
    python = torchPython();
    session = await openUiSession('ui-pytorch', { 'workbench.colorTheme': 'Default Dark Modern' });
    await runCommand(session.page, 'Notifications: Toggle Do Not Disturb Mode');
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    live?.kill('SIGKILL');
    await session?.close();
  });

  it('trains the lesson’s DCGAN in PyTorch into a run folder that passes the validator and shows as external', async () => {
    const { page } = session;
    const training = process.env.GAN_STUDIO_BYOG_ARGS?.split(' ').filter(Boolean) ?? TINY;
    const result = spawnSync(python, exampleArgs(session.workspace, 'pytorch-dcgan', training), { encoding: 'utf8', timeout: 600_000 });
    assert.equal(result.status, 0, `the PyTorch example failed:\n${result.stdout}\n${result.stderr}`);
    const dir = /GAN Studio run folder: (.+)$/m.exec(result.stdout)![1].trim();
    const lines: string[] = [];
    assert.equal(await runsCheck([dir], { out: (l) => lines.push(l), err: (l) => lines.push(l) }), 0, lines.join('\n'));

    const row = runRow(page, 'pytorch-dcgan');
    await row.locator('.codicon-pass').waitFor();
    assert.match(await row.innerText(), /external \(PyTorch\) · \d+\/\d+ epochs · D [\d.]+ · G [\d.]+/);
    await row.hover();
    assert.equal(await row.locator('.action-label[aria-label^="Resume"]').count(), 0, 'no Resume on an external run');

    await row.locator('.action-label[aria-label^="Open Run"]').click();
    await page.locator('.tabs-container .tab', { hasText: 'pytorch-dcgan · Dashboard' }).waitFor();
    const frame = webviewFrame(page);
    await frame.locator('.status[data-status="completed"]').waitFor();
    const records = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
    const grids = (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { samples: unknown[] }).samples.length;
    await until(async () => (await rowsOf(frame)) === records, `the ${records} records in the loss chart`);
    assert.equal(await frame.locator('#grid-counter').innerText(), `${grids} / ${grids}`);
    assert.equal(await frame.locator('#grid-large').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)), 274);
    assert.equal(await frame.locator('#grid-real').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth)), 274);
    assert.equal(await frame.locator('vscode-button[data-action="resume"]').count(), 0, 'no Resume button for an external run');
    await clearNotifications(page);
    await screenshot(page, 'byog-pytorch-dashboard');
  });

  it('opens a PyTorch grid in the grid inspector', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await runRow(page, 'pytorch-dcgan').click();
    await treeRows(page, 'Sample grids');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sample grids' }).first().click();
    await treeRows(page, 'Training images');
    // The script logs grids at its 0-based iter_ (8: after 9 iterations); views count iterations completed.
    await page.locator('.part.sidebar .monaco-list-row', { hasText: /^Step 9/ }).first().click();
    await page.locator('.tabs-container .tab', { hasText: 'step-000008.grid.png' }).waitFor();
    const frame = webviewFrame(page);
    await frame.locator('[data-testid=where]', { hasText: /^Step 9 · epoch 1\.13$/ }).waitFor();
    const image = frame.locator('img').first();
    await image.evaluate((img: HTMLImageElement) => img.decode());
    assert.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 274);
    await screenshot(page, 'byog-pytorch-inspector');
  });

  it('opens the run’s ONNX generator in the playground', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'Checkpoints' }).first().click();
    const checkpoint = page.locator('.part.sidebar .monaco-list-row', { hasText: /^Step 24 · epoch 3/ }).first();
    await checkpoint.hover();
    await checkpoint.locator('.action-label[aria-label="Open Generator Playground"]').click();
    await page.locator('.tabs-container .tab', { hasText: 'Playground: pytorch-dcgan @ step 24' }).waitFor();
    const frame = webviewFrame(page);
    const grid = frame.locator('canvas[data-testid=grid]');
    await grid.evaluate((el: HTMLCanvasElement) => new Promise<void>((resolve) => {
      if (el.dataset.complete === 'true') return resolve();
      new MutationObserver(() => el.dataset.complete === 'true' && resolve()).observe(el, { attributes: true });
    }));
    assert.deepEqual(await grid.evaluate((c: HTMLCanvasElement) => [c.width, c.height]), [274, 274], '64 images of 32 x 32 in 8 columns');
    assert.match(await frame.locator('.footer').innerText(), /Checkpoint step-000024/);
    await screenshot(page, 'byog-pytorch-playground');
  });

  it('follows a running PyTorch script live and shows it interrupted once the script is killed', async () => {
    const { page } = session;
    await runCommand(page, 'View: Close All Editors');
    live = spawn(python, exampleArgs(session.workspace, 'pytorch-live', ['--subset', '256', '--batch-size', '32', '--width', '16', '--epochs', '100000', '--log-every', '1', '--sample-every', '20', '--threads', '1']), { stdio: 'ignore' });
    const row = runRow(page, 'pytorch-live');
    await row.locator('.codicon-sync').waitFor({ timeout: 120_000 });
    assert.match(await row.innerText(), /external \(PyTorch\) · step \d+/);
    await row.hover();
    assert.equal(await row.locator('.action-label[aria-label^="Stop"]').count(), 0, 'no Stop on an external run');
    assert.equal(await row.locator('.action-label[aria-label^="Pause"]').count(), 0, 'no Pause on an external run');

    // From the palette: the row re-renders at every heartbeat of the live run, which can swallow a click on its inline action.
    await runCommand(page, 'GAN Studio: Open Run');
    await page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'pytorch-live' }).first().click();
    await page.locator('.tabs-container .tab', { hasText: 'pytorch-live · Dashboard' }).waitFor();
    const frame = webviewFrame(page);
    await frame.locator('.status[data-status="running"]').waitFor();
    const first = await until(async () => (await rowsOf(frame)) || undefined, 'the first records');
    await until(async () => (await rowsOf(frame)) > first, 'more records while the script trains (the dashboard follows the files)');
    assert.match(await frame.locator('.notes').innerText(), /Training in your own script \(PyTorch [^)]+ via gan_studio\.py\)/);

    live.kill('SIGKILL');
    live = undefined;
    await row.locator('.codicon-debug-disconnect').waitFor({ timeout: 60_000 });
    assert.match(await row.innerText(), /external \(PyTorch\) · interrupted at/);
    await frame.locator('.status[data-status="interrupted"]').waitFor();
    assert.match(await frame.locator('.notes').innerText(), /stopped without calling finish\(\)/);
  });
});
