/**
 * Experiment configuration: the presets, the defaults (the seed lesson's values) and validation.
 * Shared by the trainer, the CLI, the extension host and the language server; pure (no I/O).
 */

export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** GAN losses offered; `bce` is the lesson's (non-saturating G). See LOSS_UNAVAILABLE for wgan-gp. */
export const LOSS_CHOICES = ['bce', 'hinge', 'lsgan'] as const;
export type LossChoice = (typeof LOSS_CHOICES)[number];

/** Losses that are known but refused, with the reason (shown as the validation message). */
export const LOSS_UNAVAILABLE: Readonly<Record<string, string>> = {
  'wgan-gp':
    'is not available: its gradient penalty needs gradients of gradients through D, and in TensorFlow.js the gradient of LeakyReLU (built from a comparison) has none, nor have the backward passes of GAN Studio\'s fused BatchNorm kernels. Use "hinge" or "lsgan", optionally with "spectralNorm": true',
};

/** Training data sets: the three IDX sets (28x28 grey), CIFAR-10 (32x32 colour) and a folder of the user's images. */
export const DATASET_CHOICES = ['fashion-mnist', 'mnist', 'kmnist', 'cifar10', 'folder'] as const;
export type DatasetChoice = (typeof DATASET_CHOICES)[number];

export const PRESET_NAMES = ['reference', 'quick', 'smoke'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Every hyperparameter of a run. Field names are also the keys of an experiment file. */
export interface ExperimentConfig {
  /** Human-readable run name; defaults to the preset's name. */
  name: string;
  /** The preset the other values start from; `configDiff` lists what differs from it. */
  preset: PresetName;
  seed: number;
  epochs: number;
  /** Stop after this many iterations in total (null: run all epochs). */
  maxSteps: number | null;
  batchSize: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  latentSize: number;
  /** Width of both networks (the seed's `size`, 64). */
  featureSize: number;
  /** Use only the first N training images (null: all 60,000). */
  trainSubset: number | null;
  /** Print a progress line when the batch index within the epoch is a multiple of this (the seed: 50); losses are recorded every step. */
  logEvery: number;
  /** Render G(fixed noise) when the global iteration is a multiple of this, and at the end (500). */
  sampleEvery: number;
  /** Save a checkpoint at the end of every N-th epoch. */
  checkpointEveryEpochs: number;
  /** Number of fixed noise vectors rendered in the sample grids (64 = 8x8). */
  sampleCount: number;
  backend: BackendChoice;
  /** Measure sample quality (FID-FMNIST, KID, precision/recall, class coverage) every N iterations and at the end; null: never. */
  evalEvery: number | null;
  /** No scheduled evaluation before this iteration (the first grids show noise); the final one always runs. */
  evalAfter: number;
  /** Generated images per evaluation, from a fixed latent set per run. */
  evalSamples: number;
  /** GAN loss: bce (the lesson's), hinge or lsgan. */
  loss: LossChoice;
  /** Discriminator updates per generator update (1: the lesson). */
  dSteps: number;
  /** Adam learning rate of D (null: `learningRate`). */
  learningRateD: number | null;
  /** Adam learning rate of G (null: `learningRate`). */
  learningRateG: number | null;
  /** One-sided label smoothing: the real target is 1 - labelSmoothing (0: off). */
  labelSmoothing: number;
  /** Standard deviation of Gaussian noise added to every input of D (0: off). */
  instanceNoise: number;
  /** Anneal instance noise linearly to 0 over this many iterations (null: constant). */
  instanceNoiseDecaySteps: number | null;
  /** Decay of the exponential moving average of G's weights used for the sample grids (0: off). */
  gEma: number;
  /** Spectral normalisation of D's convolutions (one power iteration per D update). */
  spectralNorm: boolean;
  /** Class-conditional GAN: G gets a one-hot label beside z, D is a projection discriminator; grids show one row per class. */
  conditional: boolean;
  /** Side of the images in pixels: 32 (the lesson) or 64 (one more block in G and D, as in the DCGAN paper). */
  imageSize: ImageSizeChoice;
  /** Training data: fashion-mnist (the lesson's), mnist, kmnist, cifar10 or folder (`datasetPath`). */
  dataset: DatasetChoice;
  /** The image folder of `dataset: "folder"`; for the other data sets a folder holding their official files (null: the usual look-up). */
  datasetPath: string | null;
  /** Image channels: 1 (grey) or 3 (RGB); null: the data set's own (1 for the IDX sets, 3 for cifar10, detected for a folder; a run records the detected value). */
  channels: number | null;
}

/** Image sizes the models are built for. */
export const IMAGE_SIZE_CHOICES = [32, 64] as const;
export type ImageSizeChoice = (typeof IMAGE_SIZE_CHOICES)[number];

/** The data sets whose labels a conditional run can use (each has ten classes). */
export const CONDITIONAL_DATASETS: readonly DatasetChoice[] = ['fashion-mnist', 'cifar10'];

/** Classes of a conditional run (the ten of FashionMNIST or CIFAR-10). */
export const CONDITIONAL_CLASSES = 10;
/** Images per class row of a conditional run's sample grids (10 rows x 8 columns). */
export const CONDITIONAL_COLUMNS = 8;
/** The sampleCount of a conditional run: one row of CONDITIONAL_COLUMNS per class. */
export const CONDITIONAL_SAMPLE_COUNT = CONDITIONAL_CLASSES * CONDITIONAL_COLUMNS;

/** Image geometry of the reference experiment (FashionMNIST resized to 32x32, one channel). */
export const IMAGE_SIZE = 32;
export const IMAGE_CHANNELS = 1;

const REFERENCE: ExperimentConfig = {
  name: 'reference',
  preset: 'reference',
  seed: 42,
  epochs: 20,
  maxSteps: null,
  batchSize: 128,
  learningRate: 0.0002,
  beta1: 0.5,
  beta2: 0.999,
  latentSize: 100,
  featureSize: 64,
  trainSubset: null,
  logEvery: 50,
  sampleEvery: 500,
  checkpointEveryEpochs: 1,
  sampleCount: 64,
  backend: 'auto',
  evalEvery: 500,
  evalAfter: 1500,
  evalSamples: 5000,
  loss: 'bce',
  dSteps: 1,
  learningRateD: null,
  learningRateG: null,
  labelSmoothing: 0,
  instanceNoise: 0,
  instanceNoiseDecaySteps: null,
  gEma: 0,
  spectralNorm: false,
  conditional: false,
  imageSize: 32,
  dataset: 'fashion-mnist',
  datasetPath: null,
  channels: null,
};

export const PRESETS: Readonly<Record<PresetName, Readonly<ExperimentConfig>>> = {
  reference: REFERENCE,
  /** Recognisable clothing within about five minutes on two CPU cores. */
  quick: {
    ...REFERENCE,
    name: 'quick',
    preset: 'quick',
    epochs: 2,
    maxSteps: 700,
    batchSize: 64,
    featureSize: 32,
    logEvery: 20,
    sampleEvery: 100,
    evalEvery: 100,
    evalAfter: 500,
    evalSamples: 1000,
  },
  /** A few steps of a tiny model, for tests and for checking an installation. */
  smoke: {
    ...REFERENCE,
    name: 'smoke',
    preset: 'smoke',
    epochs: 2,
    maxSteps: 8,
    batchSize: 16,
    featureSize: 8,
    trainSubset: 64,
    logEvery: 2,
    sampleEvery: 4,
    evalEvery: null,
    evalSamples: 256,
  },
};

export const PRESET_DESCRIPTIONS: Readonly<Record<PresetName, string>> = {
  reference: 'The seed lesson: 20 epochs, batch 128, Adam 2e-4 (β1 0.5), latent 100, width 64',
  quick: 'Narrower model (width 32), batch 64, 700 steps: clothing shapes in about 5 minutes on a CPU',
  smoke: 'A tiny model for 8 steps: checks that everything works',
};

export function presetConfig(name: PresetName): ExperimentConfig {
  return { ...PRESETS[name] };
}

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}

/** A problem found in a config, with the key it concerns and a message that says how to fix it. */
export interface ConfigProblem {
  key: string;
  message: string;
}

type FieldRule =
  | { kind: 'int'; min: number; max: number; nullable?: boolean }
  | { kind: 'number'; min: number; max: number; exclusiveMin?: boolean; exclusiveMax?: boolean; nullable?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string'; nullable?: boolean }
  | { kind: 'choice'; values: readonly number[]; nullable?: boolean }
  | { kind: 'enum'; values: readonly string[] };

/** The type and range of every field; also the source of the language server's hovers. */
export const CONFIG_FIELDS: Readonly<Record<keyof ExperimentConfig, { rule: FieldRule; doc: string }>> = {
  name: { rule: { kind: 'string' }, doc: 'Run name shown in the Runs view.' },
  preset: { rule: { kind: 'enum', values: PRESET_NAMES }, doc: 'Preset the other values start from: reference, quick or smoke.' },
  seed: { rule: { kind: 'int', min: 0, max: 2 ** 32 - 1 }, doc: 'Random seed for weights, noise and shuffling (seed lesson: 42).' },
  epochs: { rule: { kind: 'int', min: 1, max: 10000 }, doc: 'Passes over the training set (seed lesson: 20).' },
  maxSteps: { rule: { kind: 'int', min: 1, max: 1e9, nullable: true }, doc: 'Stop after this many iterations in total; null runs every epoch.' },
  batchSize: { rule: { kind: 'int', min: 2, max: 4096 }, doc: 'Images per batch (seed lesson: 128). BatchNorm needs at least 2.' },
  learningRate: { rule: { kind: 'number', min: 0, max: 1, exclusiveMin: true }, doc: 'Adam learning rate for both networks (seed lesson: 0.0002).' },
  beta1: { rule: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, doc: "Adam's β1 (seed lesson: 0.5)." },
  beta2: { rule: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, doc: "Adam's β2 (seed lesson: 0.999)." },
  latentSize: { rule: { kind: 'int', min: 1, max: 4096 }, doc: 'Length of the noise vector z (seed lesson: 100).' },
  featureSize: { rule: { kind: 'int', min: 1, max: 256 }, doc: 'Width of both networks (seed lesson: 64; at most 256: the parameters and Adam state grow with its square, and 512 and up no longer fit the WebAssembly backend\'s memory).' },
  trainSubset: { rule: { kind: 'int', min: 1, max: 60000, nullable: true }, doc: 'Train on the first N images only; null uses all 60,000.' },
  logEvery: { rule: { kind: 'int', min: 1, max: 1e9 }, doc: 'Print a progress line every N batches of an epoch (seed lesson: 50); losses are recorded every step.' },
  sampleEvery: { rule: { kind: 'int', min: 1, max: 1e9 }, doc: 'Render a sample grid every N iterations and at the end (seed lesson: 500).' },
  checkpointEveryEpochs: { rule: { kind: 'int', min: 1, max: 10000 }, doc: 'Save a checkpoint at the end of every N-th epoch.' },
  sampleCount: { rule: { kind: 'int', min: 1, max: 256 }, doc: 'Fixed noise vectors rendered in each grid (64 gives 8x8).' },
  backend: { rule: { kind: 'enum', values: BACKEND_CHOICES }, doc: 'TensorFlow.js backend: auto picks the fastest that loads.' },
  evalEvery: {
    rule: { kind: 'int', min: 1, max: 1e9, nullable: true },
    doc: 'Measure sample quality (FID-FMNIST, KID, precision/recall, class coverage) every N iterations and at the end; null turns evaluation off (reference: 500, at each sample grid).',
  },
  evalAfter: { rule: { kind: 'int', min: 0, max: 1e9 }, doc: 'Skip scheduled evaluations before this iteration (reference: 1500, after the first three grids); the final evaluation always runs.' },
  evalSamples: { rule: { kind: 'int', min: 64, max: 50000 }, doc: 'Generated images per evaluation (reference: 5000). FID depends on it: compare runs with equal values.' },
  loss: {
    rule: { kind: 'enum', values: LOSS_CHOICES },
    doc: 'GAN loss on D\'s logits: bce (the lesson: binary cross-entropy, non-saturating G), hinge (D: relu(1 - D(x)) + relu(1 + D(G(z))), G: -D(G(z))) or lsgan (least squares: D pushes real to 1 and fake to 0, G pushes fake to 1). wgan-gp is refused: it needs gradients of gradients.',
  },
  dSteps: { rule: { kind: 'int', min: 1, max: 10 }, doc: 'D updates per G update (the lesson: 1). Each extra D update uses the same real batch with fresh noise.' },
  learningRateD: { rule: { kind: 'number', min: 0, max: 1, exclusiveMin: true, nullable: true }, doc: 'Adam learning rate of D (TTUR, e.g. 0.0004); null uses learningRate.' },
  learningRateG: { rule: { kind: 'number', min: 0, max: 1, exclusiveMin: true, nullable: true }, doc: 'Adam learning rate of G (TTUR, e.g. 0.0001); null uses learningRate.' },
  labelSmoothing: { rule: { kind: 'number', min: 0, max: 0.5, exclusiveMax: true }, doc: 'One-sided label smoothing: D\'s target for real images is 1 - ε (e.g. 0.1; 0 is off). For bce and lsgan.' },
  instanceNoise: { rule: { kind: 'number', min: 0, max: 2 }, doc: 'Standard deviation of Gaussian noise added to every image D sees, real or generated (images are in [-1, 1]; e.g. 0.1; 0 is off).' },
  instanceNoiseDecaySteps: { rule: { kind: 'int', min: 1, max: 1e9, nullable: true }, doc: 'Anneal instanceNoise linearly to 0 over this many iterations; null keeps it constant.' },
  gEma: { rule: { kind: 'number', min: 0, max: 1, exclusiveMax: true }, doc: 'Exponential moving average of G\'s weights (decay, e.g. 0.999), used for the sample grids and saved in checkpoints; 0 is off.' },
  spectralNorm: { rule: { kind: 'boolean' }, doc: 'Spectral normalisation of D\'s convolutions (Miyato et al. 2018): each weight is divided by its largest singular value, estimated by one power iteration per D update.' },
  conditional: {
    rule: { kind: 'boolean' },
    doc: 'Class-conditional GAN (the labels of fashion-mnist or cifar10): G gets a one-hot class beside z, D is a projection discriminator (Miyato & Koyama 2018: the inner product of a learned class embedding with D\'s pooled penultimate features is added to its logit). Sample grids show one row of 8 per class (sampleCount 80).',
  },
  imageSize: {
    rule: { kind: 'choice', values: IMAGE_SIZE_CHOICES },
    doc: 'Image side in pixels: 32 (the lesson) or 64 (one more block in G and D, as in the DCGAN paper; the data is resized with the same PIL bilinear filter; about 4x the compute per step).',
  },
  dataset: {
    rule: { kind: 'enum', values: DATASET_CHOICES },
    doc: 'Training data: fashion-mnist (the lesson\'s), mnist, kmnist (28x28 grey IDX files, found or downloaded and MD5-checked like FashionMNIST), cifar10 (32x32 colour, the official binary archive) or folder (your own PNG/JPEG/WebP images in "datasetPath", centre-cropped and resized). Sample quality is measured for fashion-mnist only.',
  },
  datasetPath: {
    rule: { kind: 'string', nullable: true },
    doc: 'For "dataset": "folder", the folder of images (absolute, or relative to the experiment file). For the other data sets, an optional folder with their official files; null uses the setting, the download cache, /usr/share/datasets/<dataset>, then a download.',
  },
  channels: {
    rule: { kind: 'choice', values: [1, 3], nullable: true },
    doc: 'Image channels: 1 (grey) or 3 (RGB colour); null uses the data set\'s own (1 for the IDX sets, 3 for cifar10, detected from a folder\'s images). Grey data trained with 3 repeats the grey level; colour trained with 1 uses the luminance.',
  },
};

/** Channels of a dataset when `channels` is null (a folder's are detected when it is loaded; 1 until then). */
export const DATASET_CHANNELS: Readonly<Record<DatasetChoice, number>> = { 'fashion-mnist': 1, mnist: 1, kmnist: 1, cifar10: 3, folder: 1 };

/** The image channels of a run (1 or 3). */
export function imageChannels(c: Pick<ExperimentConfig, 'channels'> & Partial<Pick<ExperimentConfig, 'dataset'>>): number {
  return c.channels ?? DATASET_CHANNELS[c.dataset ?? 'fashion-mnist'] ?? IMAGE_CHANNELS;
}

/** The data set in short words, e.g. "cifar10", "folder tinted (3 channels)"; empty for the lesson's FashionMNIST. */
export function datasetSummary(c: Partial<ExperimentConfig>): string {
  const dataset = c.dataset ?? 'fashion-mnist';
  const channels = c.channels ?? null;
  if (dataset === 'fashion-mnist' && channels === null) return '';
  const name = dataset === 'folder' && c.datasetPath ? `folder ${c.datasetPath.split(/[\\/]/).filter(Boolean).pop() ?? c.datasetPath}` : dataset;
  return channels === null ? name : `${name} (${channels === 1 ? 'grey' : 'RGB'})`;
}

/** The non-default loss and stabiliser settings, in short words (for one-line summaries); empty for the lesson's. */
export function trainingOptionsSummary(c: Partial<ExperimentConfig>): string[] {
  const out: string[] = [];
  if (c.loss !== undefined && c.loss !== 'bce') out.push(`${c.loss} loss`);
  if (c.dSteps !== undefined && c.dSteps !== 1) out.push(`${c.dSteps} D steps`);
  if (c.learningRateD != null) out.push(`lr D ${c.learningRateD}`);
  if (c.learningRateG != null) out.push(`lr G ${c.learningRateG}`);
  if (c.labelSmoothing) out.push(`label smoothing ${c.labelSmoothing}`);
  if (c.instanceNoise) out.push(`instance noise ${c.instanceNoise}${c.instanceNoiseDecaySteps != null ? ` → 0 over ${c.instanceNoiseDecaySteps}` : ''}`);
  if (c.gEma) out.push(`G EMA ${c.gEma}`);
  if (c.spectralNorm) out.push('spectral norm');
  if (c.conditional) out.push('conditional');
  if (c.imageSize !== undefined && c.imageSize !== 32) out.push(`${c.imageSize}x${c.imageSize}`);
  return out;
}

function checkField(value: unknown, rule: FieldRule): string | undefined {
  switch (rule.kind) {
    case 'string':
      if (value === null && rule.nullable) return undefined;
      return typeof value === 'string' && value.trim() !== '' ? undefined : `must be a non-empty string${rule.nullable ? ' (or null)' : ''}`;
    case 'choice':
      if (value === null && rule.nullable) return undefined;
      return typeof value === 'number' && rule.values.includes(value) ? undefined : `must be ${rule.values.join(' or ')}${rule.nullable ? ' (or null)' : ''}${typeof value === 'number' ? `, not ${value}` : ''}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'enum':
      if (typeof value === 'string' && rule.values.includes(value)) return undefined;
      if (typeof value === 'string' && rule.values === LOSS_CHOICES && Object.prototype.hasOwnProperty.call(LOSS_UNAVAILABLE, value)) {
        return `"${value}" ${LOSS_UNAVAILABLE[value]}`;
      }
      return `must be one of ${rule.values.map((v) => `"${v}"`).join(', ')}`;
    case 'int': {
      if (value === null && rule.nullable) return undefined;
      const range = `an integer from ${rule.min} to ${rule.max}${rule.nullable ? ' (or null)' : ''}`;
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be ${range}`;
      return value < rule.min || value > rule.max ? `must be ${range}, not ${value}` : undefined;
    }
    case 'number': {
      if (value === null && rule.nullable) return undefined;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number${rule.nullable ? ' (or null)' : ''}`;
      const lowOk = rule.exclusiveMin ? value > rule.min : value >= rule.min;
      const highOk = rule.exclusiveMax ? value < rule.max : value <= rule.max;
      if (lowOk && highOk) return undefined;
      const lo = rule.exclusiveMin ? `greater than ${rule.min}` : `at least ${rule.min}`;
      const hi = rule.exclusiveMax ? `less than ${rule.max}` : `at most ${rule.max}`;
      return `must be ${lo} and ${hi}${rule.nullable ? ' (or null)' : ''}, not ${value}`;
    }
    default:
      return assertNever(rule);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** Checks one field; used by the settings UI to validate as the user types. */
export function validateField<K extends keyof ExperimentConfig>(key: K, value: unknown): string | undefined {
  return checkField(value, CONFIG_FIELDS[key].rule);
}

export interface ResolvedConfig {
  config: ExperimentConfig;
  problems: ConfigProblem[];
}

/**
 * Builds a full config from an experiment file's object: start from `preset` (or `base`), apply
 * every known key, and report unknown keys and invalid values. Never throws.
 */
export function resolveConfig(overrides: unknown, base?: ExperimentConfig): ResolvedConfig {
  const problems: ConfigProblem[] = [];
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    return {
      config: base ? { ...base } : presetConfig('reference'),
      problems: [{ key: '', message: 'An experiment config must be a JSON object such as {"preset": "quick", "epochs": 5}.' }],
    };
  }
  const input = overrides as Record<string, unknown>;
  let start = base ? { ...base } : presetConfig('reference');
  if ('preset' in input) {
    if (isPresetName(input.preset)) start = presetConfig(input.preset);
    else problems.push({ key: 'preset', message: `"preset" ${checkField(input.preset, CONFIG_FIELDS.preset.rule)}.` });
  }
  const config: ExperimentConfig = { ...start };
  const record = config as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(input)) {
    // `sweep` and `sweepParallel` describe a sweep of experiments (src/protocol/sweepFormat.ts checks them).
    if (key === '$schema' || key === 'preset' || key === 'sweep' || key === 'sweepParallel') continue;
    if (!Object.prototype.hasOwnProperty.call(CONFIG_FIELDS, key)) {
      problems.push({ key, message: `Unknown setting "${key}". Known settings: ${Object.keys(CONFIG_FIELDS).join(', ')}.` });
      continue;
    }
    const error = checkField(value, CONFIG_FIELDS[key as keyof ExperimentConfig].rule);
    if (error) problems.push({ key, message: `"${key}" ${error}.` });
    else record[key] = value;
  }
  if (config.trainSubset !== null && config.trainSubset < config.batchSize) {
    problems.push({
      key: 'trainSubset',
      message: `"trainSubset" (${config.trainSubset}) is smaller than "batchSize" (${config.batchSize}); use at least one full batch.`,
    });
  }
  if (config.labelSmoothing > 0 && config.loss === 'hinge') {
    problems.push({
      key: 'labelSmoothing',
      message: '"labelSmoothing" applies to the bce and lsgan losses; the hinge loss has no target to smooth. Set it to 0 or choose another loss.',
    });
  }
  if (config.conditional && !('sampleCount' in input)) config.sampleCount = CONDITIONAL_SAMPLE_COUNT;
  if (config.conditional && config.sampleCount !== CONDITIONAL_SAMPLE_COUNT) {
    problems.push({
      key: 'sampleCount',
      message: `A conditional run's grids show one row of ${CONDITIONAL_COLUMNS} per class: "sampleCount" must be ${CONDITIONAL_SAMPLE_COUNT} (${CONDITIONAL_CLASSES} classes x ${CONDITIONAL_COLUMNS}), not ${config.sampleCount}. Remove it (a conditional run sets it) or set it to ${CONDITIONAL_SAMPLE_COUNT}.`,
    });
  }
  if (config.instanceNoiseDecaySteps !== null && config.instanceNoise === 0) {
    problems.push({ key: 'instanceNoiseDecaySteps', message: '"instanceNoiseDecaySteps" anneals instance noise, but "instanceNoise" is 0; set instanceNoise (e.g. 0.1) or remove instanceNoiseDecaySteps.' });
  }
  if (config.conditional && !CONDITIONAL_DATASETS.includes(config.dataset)) {
    problems.push({
      key: 'conditional',
      message: `A conditional run needs the class labels of its data set; GAN Studio reads them for ${CONDITIONAL_DATASETS.join(' and ')}, not for "${config.dataset}". Set "conditional": false, or train on ${CONDITIONAL_DATASETS.join(' or ')}.`,
    });
  }
  if (config.dataset === 'folder' && config.datasetPath === null && !problems.some((p) => p.key === 'datasetPath')) {
    problems.push({ key: 'datasetPath', message: '"dataset": "folder" needs "datasetPath": the folder of your PNG, JPEG or WebP images (e.g. "datasetPath": "images").' });
  }
  return { config, problems };
}

/** Number of batches per epoch (the last one may be partial, as in PyTorch's DataLoader). */
export function stepsPerEpoch(config: Pick<ExperimentConfig, 'batchSize' | 'trainSubset'>, datasetSize: number): number {
  const n = config.trainSubset === null ? datasetSize : Math.min(config.trainSubset, datasetSize);
  return Math.ceil(n / config.batchSize);
}

/** Total iterations of a run. */
export function totalSteps(config: ExperimentConfig, datasetSize: number): number {
  const all = config.epochs * stepsPerEpoch(config, datasetSize);
  return config.maxSteps === null ? all : Math.min(all, config.maxSteps);
}

/** The keys that differ from the base preset: what an experiment file needs to say. */
export function configDiff(config: ExperimentConfig): Partial<ExperimentConfig> & { preset: PresetName } {
  const base = PRESETS[config.preset];
  const out: Partial<ExperimentConfig> & { preset: PresetName } = { preset: config.preset };
  for (const key of Object.keys(CONFIG_FIELDS) as (keyof ExperimentConfig)[]) {
    if (key !== 'preset' && config[key] !== base[key]) (out as Record<string, unknown>)[key] = config[key];
  }
  return out;
}
