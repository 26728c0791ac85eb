/** Experiment files (`*.gan.json`) in the workspace: an experiment config per file. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigProblem, ExperimentConfig, resolveConfig } from '../../protocol/experimentConfig';

export const EXPERIMENT_GLOB = '**/*.gan.json';

export interface ExperimentFile {
  uri: vscode.Uri;
  label: string;
  config: ExperimentConfig;
  /** Keys the file sets itself (settings do not override them). */
  explicitKeys: Set<string>;
  problems: ConfigProblem[];
}

export function parseExperiment(uri: vscode.Uri, text: string): ExperimentFile {
  const label = path.basename(uri.fsPath, '.gan.json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const { config } = resolveConfig({});
    return { uri, label, config, explicitKeys: new Set(), problems: [{ key: '', message: `Not valid JSON: ${(error as Error).message}` }] };
  }
  const { config, problems } = resolveConfig(value);
  const explicitKeys = new Set(value && typeof value === 'object' ? Object.keys(value) : []);
  if (!explicitKeys.has('name')) config.name = label;
  return { uri, label, config, explicitKeys, problems };
}

export async function findExperimentFiles(): Promise<ExperimentFile[]> {
  const uris = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '**/{node_modules,.git,.gan-studio}/**', 100);
  const files = await Promise.all(
    uris.map(async (uri) => parseExperiment(uri, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)))),
  );
  return files.sort((a, b) => a.uri.fsPath.localeCompare(b.uri.fsPath));
}
