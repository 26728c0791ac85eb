import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { chromiumPath, keepTempDirs, screenshotDir } from './env';

/** Flags that let Debian's Chromium run headless as root, offline, in a container. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The workbench can take a while on 2 cores the first time it loads its bundles. */
const WORKBENCH_TIMEOUT_MS = 60_000;
/** How long the palette gets to open, or to list a command, before it is reopened. */
const PALETTE_RETRY_MS = 2_000;

export interface WorkbenchBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Chromium's profile; kept after close() when GAN_STUDIO_KEEP=1. */
  readonly userDataDir: string;
  close(): Promise<void>;
}

/** Launches Debian's Chromium (never a Playwright-downloaded browser) with a fresh profile. */
export async function launchBrowser(): Promise<WorkbenchBrowser> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'gan-studio-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async (): Promise<void> => {
    await context.close();
    if (keepTempDirs()) {
      process.stderr.write(`[harness] kept Chromium profile in ${userDataDir}\n`);
    } else {
      await rm(userDataDir, { recursive: true, force: true });
    }
  };
  return { context, page, userDataDir, close };
}

/** `vscode-remote://127.0.0.1:PORT/abs/path`: how the workbench names a file on the server. */
function remoteUri(server: CodeServer, absolutePath: string): string {
  return `vscode-remote://${new URL(server.url).host}${path.resolve(absolutePath)}`;
}

export interface WorkbenchUrlOptions {
  /** Folder to open as the workspace. */
  folder?: string | undefined;
  /** Load the unpacked extension in this folder in development mode (no .vsix needed). */
  extensionDevelopmentPath?: string | undefined;
  /** Suite module the extension host runs; needs `extensionDevelopmentPath` too. */
  extensionTestsPath?: string | undefined;
}

/** The workbench URL; paths go into its `payload` query as vscode-remote URIs. */
export function workbenchUrl(server: CodeServer, options: WorkbenchUrlOptions = {}): string {
  const url = new URL(`${server.url}/`);
  if (options.folder) {
    url.searchParams.set('folder', path.resolve(options.folder));
  }
  const payload: Array<[string, string]> = [];
  if (options.extensionDevelopmentPath) {
    payload.push(['extensionDevelopmentPath', remoteUri(server, options.extensionDevelopmentPath)]);
  }
  if (options.extensionTestsPath) {
    payload.push(['extensionTestsPath', remoteUri(server, options.extensionTestsPath)]);
  }
  if (payload.length > 0) {
    url.searchParams.set('payload', JSON.stringify(payload));
  }
  return url.toString();
}

/** Opens the workbench and waits until its parts are rendered. */
export async function openWorkbench(page: Page, server: CodeServer, options: WorkbenchUrlOptions = {}): Promise<void> {
  await page.goto(workbenchUrl(server, options));
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
}

/** Waits for a view container's icon in the activity bar (its title is the aria-label). */
export async function activityBarItem(page: Page, title: string): Promise<Locator> {
  const item = page.locator(`.part.activitybar .action-item a[aria-label^="${title}"]`);
  await item.waitFor({ timeout: WORKBENCH_TIMEOUT_MS });
  return item;
}

/**
 * Runs a command from the F1 palette by its full title, e.g. "GAN Studio: Train GAN". Reopens the
 * palette until the command is listed: an extension still loading has not contributed it yet, and
 * a busy workbench can miss a key press.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const row = page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactText(title) }) })
    .first();
  const deadline = Date.now() + timeoutMs;
  while (!((await typeInPalette(page, `>${title}`)) && (await isShownWithin(row, PALETTE_RETRY_MS)))) {
    if (Date.now() > deadline) {
      throw new Error(`command "${title}" is not in the command palette after ${timeoutMs} ms`);
    }
    await page.keyboard.press('Escape');
  }
  await row.click();
  // Gone when the palette closes or (for a command that asks something) shows its own quick pick.
  await row.waitFor({ state: 'hidden' });
}

/** Presses F1 and types `text`; false if the palette did not open. */
async function typeInPalette(page: Page, text: string): Promise<boolean> {
  const input = page.locator('.quick-input-widget input');
  await page.keyboard.press('F1');
  if (!(await isShownWithin(input, PALETTE_RETRY_MS))) {
    return false;
  }
  await input.fill(text);
  return true;
}

/** Waits for a notification toast containing `text` and returns it. */
export async function waitForNotification(page: Page, text: string | RegExp): Promise<Locator> {
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  await toast.first().waitFor();
  return toast.first();
}

/**
 * Labels of the rows rendered in the side bar's trees, read once `untilRow` (or, without it, any
 * row) is visible. Pass the last row you expect when a tree fills in asynchronously.
 */
export async function treeRows(page: Page, untilRow?: string | RegExp): Promise<string[]> {
  const rows = page.locator('.part.sidebar .monaco-list-row');
  await (untilRow === undefined ? rows : rows.filter({ hasText: untilRow })).first().waitFor();
  return (await rows.allInnerTexts()).map((text) => text.trim());
}

/**
 * The document inside the visible webview. A webview is two nested iframes:
 * `iframe.webview.ready` (VS Code's host page) holding `iframe#active-frame` (the extension's HTML).
 */
export function webviewFrame(page: Page): FrameLocator {
  return page
    .locator('iframe.webview.ready')
    .filter({ visible: true })
    .first()
    .contentFrame()
    .locator('iframe#active-frame')
    .contentFrame();
}

/**
 * Shows the output channel `channel` in the panel and returns its text. Monaco renders only the
 * lines in view, so a long channel yields its visible part.
 */
export async function outputPanelText(page: Page, channel: string): Promise<string> {
  await runCommand(page, 'Output: Show Output Channels...');
  const quickInput = page.locator('.quick-input-widget');
  await quickInput.locator('.monaco-list-row .label-name', { hasText: exactText(channel) }).first().click();
  // The panel's channel drop-down switches together with the editor's content.
  await page.waitForFunction(
    `[...document.querySelectorAll('.part.panel select.monaco-select-box')].some((s) => s.value === ${JSON.stringify(channel)})`,
  );
  const lines = page.locator('.part.panel .view-lines');
  await lines.locator('.view-line').first().waitFor();
  // Monaco renders spaces as non-breaking spaces.
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/** Text of the first status bar item matching `match`, once it appears. */
export async function statusBarText(page: Page, match: string | RegExp): Promise<string> {
  const item = page.locator('.part.statusbar .statusbar-item').filter({ hasText: match }).first();
  await item.waitFor();
  return (await item.innerText()).trim();
}

/** Saves a PNG of the viewport as `<GAN_STUDIO_SCREENSHOTS>/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = screenshotDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function isShownWithin(locator: Locator, timeoutMs: number): Promise<boolean> {
  return locator.waitFor({ timeout: timeoutMs }).then(
    () => true,
    () => false,
  );
}

function exactText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
