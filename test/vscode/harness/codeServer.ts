import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { codeServerBin, keepTempDirs } from './env';
import { waitUntil, withTimeout } from './wait';

const execFileAsync = promisify(execFile);

/** User settings every run gets; `CodeServerOptions.settings` is merged over them. */
const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

const LISTENING = /HTTP server listening on (http:\/\/\S+?)\/?\s/;
const STOP_TIMEOUT_MS = 10_000;

export interface CodeServerOptions {
  /** Extra user settings, e.g. `{ 'workbench.colorTheme': 'Default Light Modern' }`. */
  settings?: Record<string, unknown> | undefined;
  /** How long to wait for "HTTP server listening". Default 30 s. */
  startTimeoutMs?: number | undefined;
  /**
   * Keep VS Code's workspace trust on (the default is `--disable-workspace-trust`, which trusts
   * everything). With it, a folder opens in Restricted Mode unless trusted.
   */
  workspaceTrust?: boolean | undefined;
}

/** The temporary directories of one code-server run, all under `rootDir`. */
export interface CodeServerDirs {
  readonly rootDir: string;
  readonly configFile: string;
  /** `--user-data-dir`: User/settings.json and the server's logs (logs/<date>/...). */
  readonly dataDir: string;
  readonly extensionsDir: string;
  /** code-server's own stdout and stderr. */
  readonly logFile: string;
}

export interface CodeServer extends CodeServerDirs {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Installs a .vsix with `--install-extension` into this server's dirs; pages opened afterwards load it. */
  installExtension(vsixPath: string): Promise<void>;
  /** Stops code-server and every process it started; removes the dirs unless GAN_STUDIO_KEEP=1. */
  stop(): Promise<void>;
}

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const bin = resolveBin();
  const dirs = await createDirs(options.settings ?? {});
  const child = spawn(bin, serverArgs(dirs, options.workspaceTrust === true), {
    detached: true, // own process group, so stop() reaches the extension host and pty host too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid as number;
  trackGroup(pgid);
  const log = createWriteStream(dirs.logFile);
  child.stdout?.pipe(log, { end: false }); // two sources: neither may end the file for the other
  child.stderr?.pipe(log, { end: false });

  const stop = async (): Promise<void> => {
    await stopGroup(pgid);
    liveGroups.delete(pgid);
    await new Promise((resolve) => log.end(resolve));
    await finishDirs(dirs);
  };
  try {
    const url = await withTimeout(
      waitForListening(child),
      options.startTimeoutMs ?? 30_000,
      'code-server did not report "HTTP server listening"',
    );
    return {
      ...dirs,
      url,
      port: Number(new URL(url).port),
      installExtension: (vsixPath) => installExtension(bin, dirs, vsixPath),
      stop,
    };
  } catch (error) {
    const logTail = await readTail(dirs.logFile);
    await stop();
    throw new Error(`${(error as Error).message}\n--- code-server log ---\n${logTail}`);
  }
}

/** Folder that `--install-extension` unpacked extension `publisher.name` into. */
export function installedExtensionPath(server: CodeServerDirs, extensionId: string): string {
  const prefix = `${extensionId.toLowerCase()}-`;
  const folder = readdirSync(server.extensionsDir).find((name) => name.startsWith(prefix));
  if (!folder) {
    throw new Error(`extension ${extensionId} is not installed in ${server.extensionsDir}`);
  }
  return path.join(server.extensionsDir, folder);
}

function resolveBin(): string {
  const bin = codeServerBin();
  if (!existsSync(bin)) {
    throw new Error(`code-server not found at ${bin}: run scripts/setup-code-server.sh or set CODE_SERVER_BIN`);
  }
  return bin;
}

async function createDirs(settings: Record<string, unknown>): Promise<CodeServerDirs> {
  const rootDir = await mkdtemp(path.join(os.tmpdir(), 'gan-studio-code-server-'));
  const dirs: CodeServerDirs = {
    rootDir,
    configFile: path.join(rootDir, 'config.yaml'),
    dataDir: path.join(rootDir, 'data'),
    extensionsDir: path.join(rootDir, 'extensions'),
    logFile: path.join(rootDir, 'code-server.log'),
  };
  await mkdir(path.join(dirs.dataDir, 'User'), { recursive: true });
  await mkdir(dirs.extensionsDir);
  // Without --config, code-server writes ~/.config/code-server/config.yaml.
  await writeFile(dirs.configFile, 'auth: none\n');
  const userSettings = { ...DEFAULT_SETTINGS, ...settings };
  await writeFile(path.join(dirs.dataDir, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  return dirs;
}

function dirArgs(dirs: CodeServerDirs): string[] {
  return ['--config', dirs.configFile, '--user-data-dir', dirs.dataDir, '--extensions-dir', dirs.extensionsDir];
}

function serverArgs(dirs: CodeServerDirs, workspaceTrust: boolean): string[] {
  return [
    ...dirArgs(dirs),
    '--bind-addr', '127.0.0.1:0', // the OS picks a free port; code-server logs it
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
  ];
}

async function installExtension(bin: string, dirs: CodeServerDirs, vsixPath: string): Promise<void> {
  const { stdout } = await execFileAsync(bin, [...dirArgs(dirs), '--install-extension', path.resolve(vsixPath)]);
  if (!/was successfully installed/.test(stdout)) {
    throw new Error(`installing ${vsixPath} failed:\n${stdout}`);
  }
}

/** Resolves with the URL code-server listens on; rejects if it exits first. */
function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = LISTENING.exec(seen);
      if (match) {
        cleanup();
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`code-server exited (code ${code}, signal ${signal}) before listening`));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new Error(`code-server could not be started: ${error.message}`));
    };
    const cleanup = (): void => {
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onError);
  });
}

/** Groups not yet stopped; killed if this process exits or is interrupted first. */
const liveGroups = new Set<number>();

let exitHooksInstalled = false;

function trackGroup(pgid: number): void {
  if (!exitHooksInstalled) {
    installExitHooks();
    exitHooksInstalled = true;
  }
  liveGroups.add(pgid);
}

function installExitHooks(): void {
  process.on('exit', killLiveGroups);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killLiveGroups();
      // Nobody else handles it: die of the signal as Node would have without our listener.
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    });
  }
}

function killLiveGroups(): void {
  liveGroups.forEach((pgid) => signalGroup(pgid, 'SIGKILL'));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM to the whole group, SIGKILL if anything is left after STOP_TIMEOUT_MS. */
async function stopGroup(pgid: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  try {
    await waitUntil(() => liveGroupMembers(pgid) === 0, STOP_TIMEOUT_MS, 'code-server did not stop');
  } catch {
    signalGroup(pgid, 'SIGKILL');
    await waitUntil(() => liveGroupMembers(pgid) === 0, STOP_TIMEOUT_MS, 'code-server survived SIGKILL');
  }
}

/** Processes in group `pgid` that are not zombies (zombies cannot be signalled away). */
function liveGroupMembers(pgid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces or parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') {
        count++;
      }
    } catch {
      // the process ended while we looked
    }
  }
  return count;
}

async function finishDirs(dirs: CodeServerDirs): Promise<void> {
  if (keepTempDirs()) {
    process.stderr.write(`[harness] kept code-server dirs in ${dirs.rootDir}\n`);
    return;
  }
  await rm(dirs.rootDir, { recursive: true, force: true });
}

async function readTail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
