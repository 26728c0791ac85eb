/** A code-server with the packed extension installed and a workbench page, for one UI test file. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { activityBarItem, CodeServer, launchBrowser, openWorkbench, runCommand, screenshot, startCodeServer, WorkbenchBrowser } from '../harness';
import { makeWorkspace, REPO_ROOT, testDataDir, testSettings, vsixPath } from '../shared';

export interface UiSession {
  server: CodeServer;
  browser: WorkbenchBrowser;
  page: Page;
  workspace: string;
  close(): Promise<void>;
}

export interface UiSessionOptions {
  /** Keep workspace trust on (Restricted Mode for the untrusted test folder). */
  workspaceTrust?: boolean;
  /** Fills the workspace before VS Code opens it. */
  prepareWorkspace?: (workspace: string) => void;
}

export async function openUiSession(name: string, settings: Record<string, unknown> = {}, options: UiSessionOptions = {}): Promise<UiSession> {
  const server = await startCodeServer({ settings: testSettings(settings), workspaceTrust: options.workspaceTrust });
  await server.installExtension(vsixPath());
  const browser = await launchBrowser();
  const page = browser.page;
  page.setDefaultTimeout(60_000);
  await page.setViewportSize({ width: 1400, height: 860 });
  const workspace = makeWorkspace(name);
  options.prepareWorkspace?.(workspace);
  await openWorkbench(page, server, { folder: workspace });
  await (await activityBarItem(page, 'GAN Studio')).click();
  return {
    server,
    browser,
    page,
    workspace,
    close: async () => {
      await browser.close();
      await server.stop();
    },
  };
}

/** The Runs tree row of a run, by the start of its label. */
export function runRow(page: Page, name: string) {
  return page.locator('.part.sidebar .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}`) }) }).first();
}

/** Records every text the GAN Studio status bar item shows, from now on. */
export async function recordStatusBar(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __ganStatus: string[] };
    w.__ganStatus = [];
    const bar = document.querySelector('.part.statusbar')!;
    new MutationObserver(() => {
      for (const item of bar.querySelectorAll('.statusbar-item')) {
        const text = (item as HTMLElement).innerText.trim();
        if (/ep \d+\/\d+/.test(text) && w.__ganStatus[w.__ganStatus.length - 1] !== text) w.__ganStatus.push(text);
      }
    }).observe(bar, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { __ganStatus: string[] }).__ganStatus);
}

/** Saves a screenshot named after a failed test, for the CI log. */
export async function screenshotOnFailure(session: UiSession | undefined, test: Mocha.Test | undefined): Promise<void> {
  if (!session || !test || test.state !== 'failed') return;
  const file = await screenshot(session.page, `failed-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
  console.log(`    screenshot of the failure: ${file}`);
}

/**
 * Trains a run with the CLI (dist/cli.js, as `gan-studio-train` does) into the workspace's runs
 * folder, where the Runs view picks it up: the smoke preset unless `config` says otherwise.
 * Returns the run folder.
 */
export function trainWithCli(workspace: string, config: Record<string, unknown> = {}, extraArgs: string[] = []): string {
  const configFile = path.join(workspace, '.vscode', `cli-${Date.now()}-${Math.floor(Math.random() * 1e6)}.gan.json`);
  fs.writeFileSync(configFile, JSON.stringify({ preset: 'smoke', ...config }));
  const result = spawnSync(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--config', configFile, '--out', path.join(workspace, '.gan-studio', 'runs'), '--data', testDataDir(), '--offline', ...extraArgs],
    { encoding: 'utf8', timeout: 600_000 },
  );
  fs.rmSync(configFile, { force: true });
  if (result.status !== 0) throw new Error(`gan-studio-train failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return /Run folder: (.+)$/m.exec(result.stdout)![1].trim();
}

/** Continues a run with the CLI (e.g. more steps, so that it writes new grids). */
export function resumeWithCli(runDir: string, extraArgs: string[]): void {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--resume', runDir, '--data', testDataDir(), '--offline', ...extraArgs], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.status !== 0) throw new Error(`gan-studio-train --resume failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** Closes every notification toast (e.g. before a screenshot). */
export async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden' });
}

/**
 * Reloads the window as a user does (Developer: Reload Window), through VS Code's shutdown, which
 * saves the editors and their webviews' state, and waits for the new workbench.
 */
export async function reloadWindow(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __ganBeforeReload: boolean }).__ganBeforeReload = true));
  await runCommand(page, 'Developer: Reload Window');
  await page.waitForFunction(() => !(window as unknown as { __ganBeforeReload?: boolean }).__ganBeforeReload && !!document.querySelector('.monaco-workbench .part.statusbar'), undefined, {
    timeout: 120_000,
  });
}
