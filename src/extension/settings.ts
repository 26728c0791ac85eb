/** The ganStudio.* settings, typed, and the folders they resolve to. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_CHOICES, BackendChoice, ExperimentConfig } from '../protocol/experimentConfig';

export const SECTION = 'ganStudio';
export const DEFAULT_RUNS_ROOT = path.join('.gan-studio', 'runs');

export interface Settings {
  runsRoot: string;
  datasetFolder: string;
  /** ganStudio.datasetFolders: the other data sets' folders, by data set key. */
  datasetFolders: Record<string, string>;
  backend: BackendChoice;
  logEvery: number | null;
  sampleEvery: number | null;
  openDashboardOnStart: boolean;
  nativeBackendPath: string;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const backend = c.get<string>('backend', 'auto');
  return {
    runsRoot: c.get<string>('runsRoot', DEFAULT_RUNS_ROOT) || DEFAULT_RUNS_ROOT,
    datasetFolder: c.get<string>('datasetFolder', ''),
    datasetFolders: stringRecord(c.get<unknown>('datasetFolders', {})),
    backend: (BACKEND_CHOICES as readonly string[]).includes(backend) ? (backend as BackendChoice) : 'auto',
    logEvery: c.get<number | null>('logEvery', null),
    sampleEvery: c.get<number | null>('sampleEvery', null),
    openDashboardOnStart: c.get<boolean>('openDashboardOnStart', true),
    nativeBackendPath: c.get<string>('nativeBackendPath', ''),
  };
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

/** The data set folders of ganStudio.datasetFolders, resolved (entries that cannot be resolved are left out). */
export function datasetDirs(settings = readSettings()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, folder] of Object.entries(settings.datasetFolders)) {
    const resolved = resolveFolder(folder);
    if (resolved) out[key] = resolved;
  }
  return out;
}

/** A relative path is taken from the first workspace folder; undefined when there is none to take it from. */
export function resolveFolder(setting: string): string | undefined {
  const expanded = setting.startsWith('~') ? path.join(process.env.HOME ?? '', setting.slice(1)) : setting;
  if (path.isAbsolute(expanded)) return expanded;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, expanded) : undefined;
}

export function runsRoot(settings = readSettings()): string | undefined {
  return resolveFolder(settings.runsRoot);
}

/** Settings that apply to every new run unless the experiment itself sets them. */
export function applyRunSettings(config: ExperimentConfig, explicitKeys: ReadonlySet<string>, settings = readSettings()): ExperimentConfig {
  const out = { ...config };
  if (!explicitKeys.has('backend')) out.backend = settings.backend;
  if (settings.logEvery !== null && !explicitKeys.has('logEvery')) out.logEvery = settings.logEvery;
  if (settings.sampleEvery !== null && !explicitKeys.has('sampleEvery')) out.sampleEvery = settings.sampleEvery;
  return out;
}
