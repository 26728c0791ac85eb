/**
 * Messages between the extension host and the generator playground webview, as discriminated
 * unions (handled with exhaustive switches), and the playground's settings with their validation.
 * The host owns the settings and the generator process; the webview sends intents (a settings
 * patch, copy, save, export) and draws what the host sends. Messages from the webview are checked
 * at run time (`parsePlaygroundMessage`). Pure: no vscode, DOM or Node imports.
 */
import type { BatchNormMode } from './generatorProtocol';
import { isFiniteNumber, isInteger, isNumberArray, isOneOf, isRecord, isString, unknownType } from './guards';
import { MAX_RENDER_COUNT } from './generatorProtocol';
import type { PixelMapping } from './gridLayout';
import type { Interpolation } from './latent';
import { isValidSeed } from './latent';
import type { Problem } from './webviewCommon';

export type { Problem } from './webviewCommon';

export const PLAYGROUND_VIEW_TYPE = 'ganStudio.playground';

/** Where the grid's latents come from. */
export type LatentSource =
  /** Standard normal vectors from GAN Studio's random generator with `seed`. */
  | 'seed'
  /** The run's fixed noise: the latents of its sample grids. */
  | 'fixed';

export interface PlaygroundSettings {
  source: LatentSource;
  seed: number;
  /** Images in the grid with source "seed" (1..256). */
  count: number;
  /** BatchNorm of the grid: running statistics (eval) or the grid's own batch statistics (train). */
  batchNorm: BatchNormMode;
  /** How outputs become grey levels. */
  mapping: PixelMapping;
  /** The sample whose latent the sliders edit. */
  selected: number;
  /** Interpolation endpoints (sample indices) and the number of images in the strip. */
  a: number;
  b: number;
  steps: number;
  method: Interpolation;
  /** The latent dimensions on the sliders. */
  dims: number[];
  /** Slider values that differ from the selected sample's latent: [dimension, value]. */
  edits: [number, number][];
  /**
   * A conditional generator's class for the grid and the selected sample: -1 asks for one row of
   * 8 per class (the run's grids), k for class k everywhere. Ignored by unconditional generators.
   */
  gridClass: number;
  /**
   * What the interpolation strip shows: `latents`, samples A to B; a conditional generator also
   * `classes`, the selected sample's latent from class A to class B (the one-hot class mixed
   * linearly: an interpolation between the class embeddings), or `everyClass`, that latent under
   * every class.
   */
  strip: StripMode;
  classA: number;
  classB: number;
}

export const STRIP_MODES = ['latents', 'classes', 'everyClass'] as const;
export type StripMode = (typeof STRIP_MODES)[number];

/** Images per class row of a conditional generator's grid. */
export const CLASS_ROW_COLUMNS = 8;

/** The one-hot class rows of `count` images: class k, or (k = -1) class floor(i / 8) mod classes. */
export function classRows(count: number, classes: number, k: number): Float32Array {
  const out = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) out[i * classes + (k >= 0 ? k : Math.floor(i / CLASS_ROW_COLUMNS) % classes)] = 1;
  return out;
}

/** `steps` class rows from one-hot a to one-hot b, mixed linearly (b = a gives a constant strip). */
export function classInterpolation(a: number, b: number, steps: number, classes: number): Float32Array {
  const out = new Float32Array(steps * classes);
  for (let s = 0; s < steps; s++) {
    const t = steps === 1 ? 0 : s / (steps - 1);
    out[s * classes + a] += 1 - t;
    out[s * classes + b] += t;
  }
  return out;
}

/** Everything needed to reopen a playground after a reload (the webview's saved state). */
export interface PlaygroundRestoreState {
  checkpointDir: string;
  settings: PlaygroundSettings;
}

export const SLIDER_COUNT = 6;
export const SLIDER_RANGE = 3;
export const MAX_STRIP_STEPS = 16;

export function defaultSettings(latentSize: number): PlaygroundSettings {
  return {
    source: 'seed',
    seed: 1,
    count: 64,
    batchNorm: 'eval',
    mapping: 'fixed',
    selected: 0,
    a: 0,
    b: 1,
    steps: 8,
    method: 'spherical',
    dims: Array.from({ length: Math.min(SLIDER_COUNT, latentSize) }, (_, i) => i),
    edits: [],
    gridClass: -1,
    strip: 'latents',
    classA: 0,
    classB: 1,
  };
}

/** What the generator at hand constrains. */
export interface PlaygroundLimits {
  latentSize: number;
  /** Images in the run's fixed noise. */
  sampleCount: number;
  /** Classes of a conditional generator (absent or 0: unconditional). */
  classes?: number;
}

/** Images in the grid under `settings`. */
export function gridCount(settings: Pick<PlaygroundSettings, 'source' | 'count'>, limits: PlaygroundLimits): number {
  return settings.source === 'fixed' ? limits.sampleCount : settings.count;
}

const clampInt = (value: unknown, low: number, high: number, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.min(high, Math.max(low, Math.round(value))) : fallback;

/**
 * Applies a patch from the webview (or a restored state) to settings, keeping every field valid:
 * counts and indices in range, sample indices inside the grid, slider dimensions inside the latent.
 */
export function applySettings(current: PlaygroundSettings, patch: Partial<PlaygroundSettings>, limits: PlaygroundLimits): PlaygroundSettings {
  const next: PlaygroundSettings = { ...current };
  if (patch.source === 'seed' || patch.source === 'fixed') next.source = patch.source;
  if (patch.seed !== undefined && isValidSeed(patch.seed)) next.seed = patch.seed;
  next.count = clampInt(patch.count ?? next.count, 1, MAX_RENDER_COUNT, current.count);
  if (patch.batchNorm === 'eval' || patch.batchNorm === 'train') next.batchNorm = patch.batchNorm;
  if (patch.mapping === 'fixed' || patch.mapping === 'minmax') next.mapping = patch.mapping;
  if (patch.method === 'linear' || patch.method === 'spherical') next.method = patch.method;
  next.steps = clampInt(patch.steps ?? next.steps, 2, MAX_STRIP_STEPS, current.steps);
  const last = gridCount(next, limits) - 1;
  next.selected = clampInt(patch.selected ?? next.selected, 0, last, 0);
  next.a = clampInt(patch.a ?? next.a, 0, last, 0);
  next.b = clampInt(patch.b ?? next.b, 0, last, Math.min(1, last));
  if (Array.isArray(patch.dims)) {
    const dims = patch.dims.map((d) => clampInt(d, 0, limits.latentSize - 1, 0));
    if (dims.length > 0 && dims.length <= SLIDER_COUNT) next.dims = dims;
  }
  next.dims = next.dims.filter((d) => d < limits.latentSize);
  const classes = limits.classes ?? 0;
  next.gridClass = classes > 0 ? clampInt(patch.gridClass ?? next.gridClass, -1, classes - 1, -1) : -1;
  next.classA = classes > 0 ? clampInt(patch.classA ?? next.classA, 0, classes - 1, 0) : 0;
  next.classB = classes > 0 ? clampInt(patch.classB ?? next.classB, 0, classes - 1, Math.min(1, classes - 1)) : 1;
  if (patch.strip !== undefined && (STRIP_MODES as readonly string[]).includes(patch.strip)) next.strip = patch.strip;
  if (classes === 0) next.strip = 'latents';
  // A new selection or new latents start from the unedited vector.
  const latentsChanged = next.source !== current.source || next.seed !== current.seed || (next.source === 'seed' && next.count !== current.count);
  if (next.selected !== current.selected || latentsChanged) next.edits = [];
  if (Array.isArray(patch.edits)) {
    next.edits = patch.edits
      .filter((e): e is [number, number] => Array.isArray(e) && e.length === 2 && Number.isInteger(e[0]) && e[0] >= 0 && e[0] < limits.latentSize && Number.isFinite(e[1]))
      .map(([d, v]) => [d, Math.min(SLIDER_RANGE * 2, Math.max(-SLIDER_RANGE * 2, v))]);
  }
  return next;
}

/** What must be recomputed after the settings change from `before` to `after`. */
export interface RenderPlan {
  latents: boolean;
  grid: boolean;
  strip: boolean;
  /** The selected sample with the slider edits applied. */
  single: boolean;
}

export function planRenders(before: PlaygroundSettings | undefined, after: PlaygroundSettings): RenderPlan {
  if (!before) return { latents: true, grid: true, strip: true, single: true };
  const latents = before.source !== after.source || before.seed !== after.seed || (after.source === 'seed' && before.count !== after.count);
  const classChanged = before.gridClass !== after.gridClass;
  const grid = latents || before.batchNorm !== after.batchNorm || classChanged;
  const classStrip = after.strip !== 'latents' && (before.selected !== after.selected || before.classA !== after.classA || before.classB !== after.classB);
  const strip =
    latents || before.a !== after.a || before.b !== after.b || before.steps !== after.steps || before.method !== after.method || before.strip !== after.strip || classStrip || (after.strip === 'latents' && classChanged);
  const single = latents || before.selected !== after.selected || JSON.stringify(before.edits) !== JSON.stringify(after.edits) || classChanged;
  return { latents, grid, strip, single };
}

export interface PlaygroundInfo {
  /** Run name and checkpoint, for the title. */
  runName: string;
  runId: string;
  checkpointId: string;
  step: number;
  epoch: number;
  latentSize: number;
  featureSize: number;
  imageSize: number;
  /** 3 for a colour generator (RGB, interleaved); absent or 1: grey. */
  channels?: number;
  sampleCount: number;
  /** A conditional generator's class names, by label (absent: unconditional). */
  classNames?: string[];
  /** The backend that renders, e.g. "wasm: tfjs-backend-wasm 4.22.0 (SIMD, 1 thread)". */
  backend: string;
}

export const RENDER_KINDS = ['grid', 'strip', 'single'] as const;
export type RenderKind = (typeof RENDER_KINDS)[number];

export type HostToPlayground =
  /** The generator process is starting or loading the checkpoint. */
  | { type: 'loading'; message: string }
  | { type: 'info'; info: PlaygroundInfo }
  /** The authoritative settings (after validation); the webview saves them for a reload. */
  | { type: 'settings'; settings: PlaygroundSettings; checkpointDir: string }
  /** The selected sample's latent vector (for the sliders' starting values). */
  | { type: 'selection'; index: number; latent: number[] }
  /**
   * Generated images, base64 float32 NHWC in [-1, 1]. A grid arrives in chunks (`offset` is the
   * first image of the chunk, `total` the images of the whole grid); `seq` is the webview's
   * sequence number of the request that produced it (for measuring frame times).
   */
  | {
      type: 'images';
      kind: RenderKind;
      seq: number;
      offset: number;
      total: number;
      images: string;
      /** Time in the generator, and from the host receiving the change to sending these images. */
      computeMs: number;
      hostMs: number;
      columns: number;
    }
  | { type: 'busy'; kind: RenderKind; busy: boolean }
  /** A failure; `fatal` when the generator cannot be used at all (the checkpoint does not load). */
  | { type: 'error'; problem: Problem; fatal: boolean };

export type PlaygroundToHost =
  | { type: 'ready' }
  /** Settings changed by the user; `seq` numbers the change (echoed in the resulting images). */
  | { type: 'update'; patch: Partial<PlaygroundSettings>; seq: number }
  /** A slider move: the edits of the selected sample, applied as sent (the host does not echo the settings). */
  | { type: 'slide'; edits: [number, number][]; seq: number }
  /** Pick a new random seed. */
  | { type: 'randomSeed'; seq: number }
  /** Copy a latent to the clipboard: a sample of the grid, or the edited selected sample. */
  | { type: 'copyLatent'; target: { kind: 'sample'; index: number } | { kind: 'edited' } }
  | { type: 'saveGrid' }
  | { type: 'exportGenerator' }
  /** Try loading again after a failure. */
  | { type: 'retry' }
  /**
   * Slider frame times measured in the webview, for the output channel: `ms` from the input event
   * to the image on screen, `renderMs` from sending the position to the image on screen.
   */
  | { type: 'frameTimes'; kind: RenderKind; ms: number[]; renderMs: number[] };

const SETTING_KEYS = Object.keys(defaultSettings(1)) as (keyof PlaygroundSettings)[];

/** The known fields of a settings patch (each is validated by applySettings); undefined when it is not an object. */
function parsePatch(value: unknown): Partial<PlaygroundSettings> | undefined {
  if (!isRecord(value)) return undefined;
  const patch: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (key in value) patch[key] = value[key];
  return patch as Partial<PlaygroundSettings>;
}

function isEdits(value: unknown): value is [number, number][] {
  return Array.isArray(value) && value.every((e) => Array.isArray(e) && e.length === 2 && isInteger(e[0]) && isFiniteNumber(e[1]));
}

/** Checks a message from the playground webview; undefined (and the host ignores it) when it is not one. */
export function parsePlaygroundMessage(value: unknown): PlaygroundToHost | undefined {
  if (!isRecord(value) || !isString(value.type)) return undefined;
  const type = value.type as PlaygroundToHost['type'];
  switch (type) {
    case 'ready':
    case 'saveGrid':
    case 'exportGenerator':
    case 'retry':
      return { type };
    case 'update': {
      const patch = parsePatch(value.patch);
      return patch && isInteger(value.seq) ? { type, patch, seq: value.seq } : undefined;
    }
    case 'slide':
      return isEdits(value.edits) && isInteger(value.seq) ? { type, edits: value.edits, seq: value.seq } : undefined;
    case 'randomSeed':
      return isInteger(value.seq) ? { type, seq: value.seq } : undefined;
    case 'copyLatent': {
      const target = value.target;
      if (!isRecord(target)) return undefined;
      if (target.kind === 'edited') return { type, target: { kind: 'edited' } };
      return target.kind === 'sample' && isInteger(target.index) && target.index >= 0 ? { type, target: { kind: 'sample', index: target.index } } : undefined;
    }
    case 'frameTimes':
      return isOneOf(RENDER_KINDS, value.kind) && isNumberArray(value.ms) && isNumberArray(value.renderMs)
        ? { type, kind: value.kind, ms: value.ms, renderMs: value.renderMs }
        : undefined;
    default:
      return unknownType(type);
  }
}

/** Reads the state a playground webview saved (for reopening after a reload); undefined when it names no checkpoint. */
export function parseRestoreState(value: unknown): { checkpointDir: string; settings: Partial<PlaygroundSettings> } | undefined {
  if (!isRecord(value) || !isString(value.checkpointDir) || value.checkpointDir === '') return undefined;
  return { checkpointDir: value.checkpointDir, settings: parsePatch(value.settings) ?? {} };
}
