/**
 * "GAN Studio: Train GAN" (`ganStudio.trainGan`): choose an experiment (a preset, an experiment
 * file, or Customize…), then start it through the training controller.
 */
import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BACKEND_CHOICES,
  CONDITIONAL_SAMPLE_COUNT,
  IMAGE_SIZE_CHOICES,
  CONFIG_FIELDS,
  DATASET_CHOICES,
  DatasetChoice,
  datasetSummary,
  ExperimentConfig,
  isPresetName,
  PRESET_DESCRIPTIONS,
  presetConfig,
  PresetName,
  validateField,
} from '../../protocol/experimentConfig';
import type { StartParams } from '../../protocol/trainerProtocol';
import { hasSweep, type SweepManifest } from '../../protocol/sweepFormat';
import { ExperimentFile, findExperimentFiles, parseExperiment } from '../experiments/experimentFiles';
import { applyRunSettings, resolveFolder, runsRoot } from '../settings';
import { runSteps, Step } from '../util/steppedInput';
import type { ActiveRun, TrainingController } from './trainingController';

export interface TrainArgs {
  preset?: string;
  /** URI (string) of a `*.gan.json` experiment file, as the file's "Train this experiment" lens passes it. */
  experimentFile?: string;
}

export interface TrainCommandDeps {
  controller: Pick<TrainingController, 'active'>;
  /** Starts a run and shows it (the run commands' `start`, shared with the resume commands). */
  start(name: string, params: Omit<StartParams, 'dataDirs' | 'cacheDir'>): Promise<ActiveRun | undefined>;
  /** Opens a run (the run commands' `openRun`). */
  openRun(runDir: string): Promise<void>;
  /** Starts a sweep from an experiment file with a `"sweep"` (src/extension/sweeps/sweepCommands.ts). */
  startSweep?(uri: vscode.Uri, input: Record<string, unknown>): Promise<SweepManifest | undefined>;
}

/** Registers `ganStudio.trainGan`; the command returns the started run (integration tests use it). */
export function registerTrainGan(deps: TrainCommandDeps): vscode.Disposable {
  return vscode.commands.registerCommand('ganStudio.trainGan', (args?: TrainArgs) => trainGan(deps, args));
}

/** `args.preset` skips the quick pick (for keybindings and tests): `{ "preset": "quick" }`. */
export async function trainGan(deps: TrainCommandDeps, args?: TrainArgs): Promise<ActiveRun | SweepManifest | undefined> {
  const root = runsRoot();
  if (!root) {
    const open = await vscode.window.showErrorMessage(
      'GAN Studio keeps runs in the workspace (.gan-studio/runs), and no folder is open. Open a folder, or set ganStudio.runsRoot to an absolute path.',
      'Open Folder',
    );
    if (open) await vscode.commands.executeCommand('vscode.openFolder');
    return undefined;
  }
  if (deps.controller.active.length > 0 && !(await confirmParallel(deps))) return undefined;
  const chosen = args?.experimentFile
    ? await fileExperiment(vscode.Uri.parse(args.experimentFile))
    : args?.preset && isPresetName(args.preset)
      ? presetExperiment(args.preset)
      : await chooseExperiment();
  if (!chosen) return undefined;
  if (chosen.sweep) return deps.startSweep?.(chosen.sweep.uri, chosen.sweep.input);
  return deps.start(chosen.config.name, { config: chosen.config, runsRoot: root });
}

async function confirmParallel(deps: TrainCommandDeps): Promise<boolean> {
  const running = deps.controller.active.map((r) => `“${r.name}”`).join(', ');
  const choice = await vscode.window.showWarningMessage(
    `${running} is still training. Start another run alongside it?`,
    { modal: true, detail: 'Both runs share the CPU (or GPU), so each trains more slowly.' },
    'Run Both',
    'Show Running Run',
  );
  if (choice === 'Show Running Run') {
    const dir = deps.controller.active[0].runDir;
    if (dir) await deps.openRun(dir);
  }
  return choice === 'Run Both';
}

export interface ChosenExperiment {
  config: ExperimentConfig;
  /** Where it came from, for messages: "the quick preset", "experiments/lr.gan.json". */
  source: string;
  /** The file holds a sweep: train every combination instead of `config`. */
  sweep?: { uri: vscode.Uri; input: Record<string, unknown> };
}

const DATASET_DESCRIPTIONS: Record<DatasetChoice, string> = {
  'fashion-mnist': 'the lesson’s: 60,000 grey 28x28 clothing images',
  mnist: 'grey handwritten digits',
  kmnist: 'grey Kuzushiji (cursive Japanese) characters',
  cifar10: '50,000 colour 32x32 photos',
  folder: 'your own PNG, JPEG or WebP images',
};

type Item = vscode.QuickPickItem & { choose?: () => Promise<ChosenExperiment | undefined> };

const PRESET_ITEMS: { preset: PresetName; icon: string; label: string }[] = [
  { preset: 'reference', icon: 'beaker', label: 'Reference experiment' },
  { preset: 'quick', icon: 'zap', label: 'Quick' },
  { preset: 'smoke', icon: 'debug-alt', label: 'Smoke test' },
];

export function presetExperiment(preset: PresetName): ChosenExperiment {
  return { config: applyRunSettings(presetConfig(preset), new Set()), source: `the ${preset} preset` };
}

function presetItem(p: (typeof PRESET_ITEMS)[number]): Item {
  return {
    label: `$(${p.icon}) ${p.label}`,
    description: p.preset,
    detail: PRESET_DESCRIPTIONS[p.preset],
    choose: async () => presetExperiment(p.preset),
  };
}

export async function chooseExperiment(): Promise<ChosenExperiment | undefined> {
  const files = await findExperimentFiles();
  const items: Item[] = [
    { label: 'Presets', kind: vscode.QuickPickItemKind.Separator },
    ...PRESET_ITEMS.map(presetItem),
    { label: 'Experiment files in the workspace', kind: vscode.QuickPickItemKind.Separator },
    ...files.map<Item>((f) => ({
      label: `${f.problems.length ? '$(warning)' : '$(file-code)'} ${f.label}`,
      description: vscode.workspace.asRelativePath(f.uri),
      detail: f.problems.length ? `Cannot run: ${f.problems.map((p) => p.message).join(' ')}` : describe(f.config),
      choose: () => fileExperiment(f.uri),
    })),
    ...(files.length === 0 ? [{ label: '$(info) No *.gan.json files yet', description: 'Copy a run’s config to make one', detail: undefined }] : []),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(settings-gear) Customize…', detail: 'Epochs, batch size, learning rate, latent size, data set, channels, backend, conditional, image size and name, starting from the reference values', choose: customize },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'GAN Studio: Train GAN',
    placeHolder: 'Choose an experiment to train (DCGAN on FashionMNIST)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.choose?.();
}

async function experimentFrom(f: ExperimentFile): Promise<ChosenExperiment | undefined> {
  if (f.problems.length === 0) return { config: withDatasetPathFrom(applyRunSettings(f.config, f.explicitKeys), f.uri), source: vscode.workspace.asRelativePath(f.uri) };
  const open = await vscode.window.showErrorMessage(
    `${vscode.workspace.asRelativePath(f.uri)} cannot train: ${f.problems.map((p) => p.message).join(' ')} Fix the file and try again.`,
    'Open File',
  );
  if (open) await vscode.window.showTextDocument(f.uri);
  return undefined;
}

/** The experiment in one file (the open editor's text when it is open, so unsaved edits count). */
export async function fileExperiment(uri: vscode.Uri): Promise<ChosenExperiment | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  const sweep = sweepInput(text);
  if (sweep) return { config: parseExperiment(uri, text).config, source: vscode.workspace.asRelativePath(uri), sweep: { uri, input: sweep } };
  return experimentFrom(parseExperiment(uri, text));
}

/** The file's object when it holds a sweep. */
function sweepInput(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return hasSweep(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A relative datasetPath is taken from the experiment file's folder (run.json records the absolute path). */
function withDatasetPathFrom(config: ExperimentConfig, uri: vscode.Uri): ExperimentConfig {
  if (config.datasetPath === null || path.isAbsolute(config.datasetPath) || uri.scheme !== 'file') return config;
  return { ...config, datasetPath: path.resolve(path.dirname(uri.fsPath), config.datasetPath) };
}

function describe(c: ExperimentConfig): string {
  const data = datasetSummary(c);
  return `${c.preset} · ${c.epochs} epochs · batch ${c.batchSize} · lr ${c.learningRate} · latent ${c.latentSize} · width ${c.featureSize}${data ? ` · ${data}` : ''}`;
}

function numberStep(key: 'epochs' | 'batchSize' | 'learningRate' | 'latentSize', title: string, value: number): Step {
  return {
    kind: 'text',
    title: `Customize: ${title}`,
    prompt: CONFIG_FIELDS[key].doc,
    value: String(value),
    validate: (text) => {
      if (text.trim() === '' || Number.isNaN(Number(text))) return 'Enter a number.';
      return validateField(key, Number(text));
    },
  };
}

async function customize(): Promise<ChosenExperiment | undefined> {
  const ref = applyRunSettings(presetConfig('reference'), new Set());
  const answers = await runSteps([
    numberStep('epochs', 'epochs', ref.epochs),
    numberStep('batchSize', 'batch size', ref.batchSize),
    numberStep('learningRate', 'learning rate', ref.learningRate),
    numberStep('latentSize', 'latent size', ref.latentSize),
    {
      kind: 'pick',
      title: 'Customize: data set',
      placeholder: CONFIG_FIELDS.dataset.doc,
      value: ref.dataset,
      items: DATASET_CHOICES.map((d) => ({ label: d, value: d, description: DATASET_DESCRIPTIONS[d] })),
    },
    {
      kind: 'text',
      title: 'Customize: data set folder',
      prompt: 'For "folder": the folder of your PNG, JPEG or WebP images. For the others: a folder with the official files, or empty for the usual look-up (setting, cache, /usr/share/datasets, download).',
      value: '',
      validate: (text) => {
        if (text.trim() === '') return undefined;
        const folder = resolveFolder(text.trim());
        return folder && fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ? undefined : `${folder ?? text} is not a folder.`;
      },
    },
    {
      kind: 'pick',
      title: 'Customize: channels',
      placeholder: CONFIG_FIELDS.channels.doc,
      value: 'auto',
      items: [
        { label: 'From the data set', value: 'auto', description: 'grey for the MNISTs, RGB for CIFAR-10, detected for a folder' },
        { label: '1 (grey)', value: '1' },
        { label: '3 (RGB colour)', value: '3' },
      ],
    },
    {
      kind: 'pick',
      title: 'Customize: backend',
      placeholder: CONFIG_FIELDS.backend.doc,
      value: ref.backend,
      items: BACKEND_CHOICES.map((b) => ({ label: b, value: b, description: b === 'auto' ? 'the fastest that loads here' : undefined })),
    },
    {
      kind: 'pick',
      title: 'Customize: conditional GAN',
      placeholder: CONFIG_FIELDS.conditional.doc,
      value: String(ref.conditional),
      items: [
        { label: 'unconditional', value: 'false', description: 'the lesson: G draws from z alone' },
        { label: 'conditional', value: 'true', description: 'G and D get the class; grids show one row per class' },
      ],
    },
    {
      kind: 'pick',
      title: 'Customize: image size',
      placeholder: CONFIG_FIELDS.imageSize.doc,
      value: String(ref.imageSize),
      items: IMAGE_SIZE_CHOICES.map((size) => ({ label: `${size}x${size}`, value: String(size), description: size === 32 ? 'the lesson' : 'one more block in G and D (about 4x the compute)' })),
    },
    {
      kind: 'text',
      title: 'Customize: run name',
      prompt: 'Shown in the Runs view',
      value: 'custom',
      validate: (text) => validateField('name', text),
    },
  ]);
  if (!answers) return undefined;
  const [epochs, batchSize, learningRate, latentSize, dataset, folderText, channels, backend, conditional, imageSize, name] = answers;
  let datasetPath = folderText.trim() ? (resolveFolder(folderText.trim()) ?? null) : null;
  if (dataset === 'folder' && !datasetPath) {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Train on These Images', title: 'The folder of your images (PNG, JPEG or WebP)' });
    if (!picked?.[0]) return undefined;
    datasetPath = picked[0].fsPath;
  }
  return {
    config: {
      ...ref,
      dataset: dataset as ExperimentConfig['dataset'],
      datasetPath,
      channels: channels === 'auto' ? null : Number(channels),
      epochs: Number(epochs),
      batchSize: Number(batchSize),
      learningRate: Number(learningRate),
      latentSize: Number(latentSize),
      backend: backend as ExperimentConfig['backend'],
      conditional: conditional === 'true',
      ...(conditional === 'true' ? { sampleCount: CONDITIONAL_SAMPLE_COUNT } : {}),
      imageSize: Number(imageSize) as ExperimentConfig['imageSize'],
      name: name.trim(),
    },
    source: 'custom settings',
  };
}
