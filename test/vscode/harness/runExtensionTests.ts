import { format } from 'node:util';
import type { Page } from 'playwright-core';
import type { CodeServer } from './codeServer';
import { launchBrowser, screenshot, workbenchUrl } from './workbench';
import { withTimeout } from './wait';

export interface ExtensionTestsOptions {
  server: CodeServer;
  /** Absolute path of the suite module; it exports `run(): Promise<void>` as with @vscode/test-electron. */
  extensionTestsPath: string;
  /**
   * Folder of the extension under test, loaded in development mode. Required: the extension host
   * runs `extensionTestsPath` only when a development extension is given. To test an installed
   * .vsix, pass `installedExtensionPath(server, id)`.
   */
  extensionDevelopmentPath: string;
  /** Folder to open as the workspace. */
  folder?: string | undefined;
  /** Default 120 s. */
  timeoutMs?: number | undefined;
  /** Receives each line the workbench reports (the extension host's console among them). Default: stdout. */
  log?: ((line: string) => void) | undefined;
}

/**
 * Runs a mocha (or any) suite inside code-server's real extension host and resolves with its exit
 * code (0 when `run()` resolved). Rejects, after saving a screenshot, if the suite never reports.
 */
export async function runExtensionTests(options: ExtensionTestsOptions): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const browser = await launchBrowser();
  try {
    const { exitCode } = await listenForExit(browser.page, options.log ?? ((line) => process.stdout.write(`${line}\n`)));
    await browser.page.goto(workbenchUrl(options.server, options));
    return await withTimeout(exitCode, timeoutMs, 'the extension tests did not report an exit code').catch(
      async (error: Error) => {
        const shot = await screenshot(browser.page, 'extension-tests-timeout').catch(() => 'none');
        throw new Error(
          `${error.message}. Does the suite's run() settle, and is ${options.extensionDevelopmentPath} an extension? ` +
            `Screenshot: ${shot}; code-server log: ${options.server.logFile} (keep it with GAN_STUDIO_KEEP=1)`,
        );
      },
    );
  } finally {
    await browser.close();
  }
}

/**
 * The workbench calls `window.codeAutomationLog(level, consoleArgs)` for its log lines (the
 * extension host's console included) and `window.codeAutomationExit(code, logs)` when the suite ends.
 * Call before the page loads the workbench.
 */
async function listenForExit(page: Page, log: (line: string) => void): Promise<{ exitCode: Promise<number> }> {
  let reportExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve, reject) => {
    reportExit = resolve;
    page.once('crash', () => reject(new Error('the workbench page crashed')));
  });
  exitCode.catch(() => undefined); // a crash during page.goto must not be an unhandled rejection
  await page.exposeFunction('codeAutomationLog', (level: string, args: unknown[]) => {
    const message = format(...args); // console-style arguments, e.g. ['  %d passing (%s)', 3, '70ms']
    log(level === 'info' ? message : `[${level}] ${message}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
  return { exitCode };
}
