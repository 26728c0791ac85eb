/**
 * Sweeps (docs/run-format.md, "Sweeps"): an experiment file's `"sweep"` object lists values for
 * some keys, and a sweep trains every combination. This module is the pure part, shared by the
 * extension, the CLI (`gan-studio sweep`) and the language server: the schema and its validation,
 * the plan (the cartesian product in a stable order), the sweep manifest (`sweeps/<id>/sweep.json`)
 * and the state machine of its members. No I/O.
 *
 * Schema, in an experiment file:
 *
 *   { "preset": "quick", "maxSteps": 300,
 *     "sweep": { "learningRate": [0.0001, 0.0002], "loss": ["bce", "hinge"] },
 *     "sweepParallel": 1 }
 *
 * `sweep` holds only experiment keys (each with a non-empty list of values, each value checked by
 * the key's own rule); `sweepParallel` (1 to 8, default 1) is how many members train at once.
 * Order: the first key of `sweep` is the outermost loop, the last varies fastest, values in the
 * order given (as nested for-loops, or Python's itertools.product).
 */
import { CONFIG_FIELDS, ConfigProblem, ExperimentConfig, resolveConfig, validateField } from './experimentConfig';

export const SWEEP_KEY = 'sweep';
export const SWEEP_PARALLEL_KEY = 'sweepParallel';
/** Keys that cannot be swept: a member's name is made from the values; the preset is the base of all of them. */
export const UNSWEEPABLE_KEYS: readonly string[] = ['name', 'preset'];
/** Above this many combinations the language server warns (each is a full training run). */
export const SWEEP_WARN_COMBINATIONS = 32;
/** A sweep holds at most this many combinations. */
export const SWEEP_MAX_COMBINATIONS = 1000;
export const SWEEP_MAX_PARALLEL = 8;

export const SWEEPS_DIR = 'sweeps';
export const SWEEP_MANIFEST = 'sweep.json';
export const SWEEP_FORMAT_VERSION = 1;

export type SweepValue = string | number | boolean | null;

/** A member's values, by swept key, in the plan's key order. */
export type SweepValues = Record<string, SweepValue>;

export interface SweepSpec {
  /** Swept keys in the file's order (outermost first) and their values. */
  axes: { key: keyof ExperimentConfig; values: SweepValue[] }[];
  parallel: number;
}

export function isSweepableKey(key: string): key is keyof ExperimentConfig {
  return Object.prototype.hasOwnProperty.call(CONFIG_FIELDS, key) && !UNSWEEPABLE_KEYS.includes(key);
}

export function sweepableKeys(): (keyof ExperimentConfig)[] {
  return (Object.keys(CONFIG_FIELDS) as (keyof ExperimentConfig)[]).filter(isSweepableKey);
}

/** Where a problem is: `path` is the JSON path in the file, e.g. ["sweep", "loss", 1]. */
export interface SweepProblem {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
}

export function hasSweep(input: unknown): boolean {
  return !!input && typeof input === 'object' && !Array.isArray(input) && (SWEEP_KEY in input || SWEEP_PARALLEL_KEY in input);
}

/** The number of combinations of a (possibly invalid) sweep object: the product of its list lengths. */
export function combinationCount(sweep: unknown): number {
  if (!sweep || typeof sweep !== 'object' || Array.isArray(sweep)) return 0;
  return Object.values(sweep as Record<string, unknown>).reduce<number>((n, v) => n * (Array.isArray(v) ? v.length : 1), 1);
}

/**
 * Checks the sweep keys of an experiment file's object. Returns the spec (undefined when the file
 * has no sweep, or when there are errors) and every problem with its place.
 */
export function parseSweep(input: Record<string, unknown>): { spec?: SweepSpec; problems: SweepProblem[] } {
  const problems: SweepProblem[] = [];
  if (!hasSweep(input)) return { problems };
  const raw = input[SWEEP_KEY];
  let parallel = 1;
  if (SWEEP_PARALLEL_KEY in input) {
    const p = input[SWEEP_PARALLEL_KEY];
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > SWEEP_MAX_PARALLEL) {
      problems.push({ path: [SWEEP_PARALLEL_KEY], severity: 'error', message: `"${SWEEP_PARALLEL_KEY}" must be an integer from 1 to ${SWEEP_MAX_PARALLEL} (members training at once; 1, the default, trains them one at a time).` });
    } else parallel = p;
    if (raw === undefined) problems.push({ path: [SWEEP_PARALLEL_KEY], severity: 'error', message: `"${SWEEP_PARALLEL_KEY}" needs a "sweep" object, e.g. "sweep": {"learningRate": [0.0001, 0.0002]}.` });
  }
  if (raw === undefined) return { problems };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ path: [SWEEP_KEY], severity: 'error', message: '"sweep" must be an object of lists of values, e.g. {"learningRate": [0.0001, 0.0002], "loss": ["bce", "hinge"]}.' });
    return { problems };
  }
  const axes: SweepSpec['axes'] = [];
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) problems.push({ path: [SWEEP_KEY], severity: 'error', message: '"sweep" is empty: give at least one key with a list of values, e.g. {"learningRate": [0.0001, 0.0002]}.' });
  for (const [key, values] of entries) {
    if (!isSweepableKey(key)) {
      const why = UNSWEEPABLE_KEYS.includes(key)
        ? `"${key}" cannot be swept (each member is named after its values, and every member starts from the one preset); set it outside "sweep".`
        : `Unknown setting "${key}" in "sweep". Sweepable settings: ${sweepableKeys().join(', ')}.`;
      problems.push({ path: [SWEEP_KEY, key], severity: 'error', message: why });
      continue;
    }
    if (!Array.isArray(values)) {
      problems.push({ path: [SWEEP_KEY, key], severity: 'error', message: `"sweep.${key}" must be a list of values, e.g. [${JSON.stringify(exampleValue(key))}]; a single value goes outside "sweep".` });
      continue;
    }
    if (values.length === 0) {
      problems.push({ path: [SWEEP_KEY, key], severity: 'error', message: `"sweep.${key}" is an empty list: give at least one value, or remove the key.` });
      continue;
    }
    let ok = true;
    const seen = new Set<string>();
    values.forEach((value, i) => {
      const error = validateField(key, value);
      if (error) {
        ok = false;
        problems.push({ path: [SWEEP_KEY, key, i], severity: 'error', message: `"sweep.${key}"[${i}] ${error}.` });
      } else if (seen.has(JSON.stringify(value))) {
        problems.push({ path: [SWEEP_KEY, key, i], severity: 'warning', message: `"sweep.${key}" lists ${JSON.stringify(value)} twice: the sweep trains that combination twice.` });
      }
      seen.add(JSON.stringify(value));
    });
    if (key in input) problems.push({ path: [key], severity: 'warning', message: `"${key}" is also swept: the values in "sweep.${key}" replace this one.` });
    if (ok) axes.push({ key, values: values as SweepValue[] });
  }
  const count = combinationCount(raw);
  if (count > SWEEP_MAX_COMBINATIONS) {
    problems.push({ path: [SWEEP_KEY], severity: 'error', message: `The sweep has ${count} combinations; at most ${SWEEP_MAX_COMBINATIONS} are allowed. Sweep fewer keys or values.` });
  } else if (count > SWEEP_WARN_COMBINATIONS) {
    problems.push({ path: [SWEEP_KEY], severity: 'warning', message: `The sweep has ${count} combinations: ${count} training runs. Consider fewer values (or a smaller preset) first.` });
  }
  if (problems.some((p) => p.severity === 'error')) return { problems };
  return { spec: { axes, parallel }, problems };
}

function exampleValue(key: keyof ExperimentConfig): unknown {
  const rule = CONFIG_FIELDS[key].rule;
  if (rule.kind === 'enum' || rule.kind === 'choice') return rule.values[0];
  if (rule.kind === 'boolean') return true;
  if (rule.kind === 'string') return 'text';
  return rule.min === 0 && rule.kind === 'number' ? 0.1 : rule.min;
}

/** The file's object without the sweep keys: the settings every member starts from. */
export function sweepBase(input: Record<string, unknown>): Record<string, unknown> {
  const { [SWEEP_KEY]: _s, [SWEEP_PARALLEL_KEY]: _p, ...rest } = input;
  return rest;
}

/** Every combination, in the documented order: the first key outermost, the last varying fastest. */
export function expandCombinations(spec: Pick<SweepSpec, 'axes'>): SweepValues[] {
  let out: SweepValues[] = [{}];
  for (const axis of spec.axes) out = out.flatMap((partial) => axis.values.map((value) => ({ ...partial, [axis.key]: value })));
  return out;
}

/** "lr=0.0001 loss=hinge": a member's values in short words (its run name ends with them). */
export function describeValues(values: SweepValues): string {
  return Object.entries(values)
    .map(([k, v]) => `${SHORT_NAMES[k] ?? k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

const SHORT_NAMES: Record<string, string> = { learningRate: 'lr', learningRateD: 'lrD', learningRateG: 'lrG', batchSize: 'batch', latentSize: 'latent', featureSize: 'width' };

export interface PlannedMember {
  index: number;
  values: SweepValues;
  config: ExperimentConfig;
}

export interface SweepPlan {
  name: string;
  parallel: number;
  keys: string[];
  base: Record<string, unknown>;
  members: PlannedMember[];
}

/**
 * The plan of an experiment file with a sweep: every member's full config (the file's settings,
 * then the member's values, validated together as one experiment file). Problems say which
 * combination is invalid (e.g. "hinge" with labelSmoothing).
 */
export function planSweep(input: Record<string, unknown>, parallelOverride?: number): { plan?: SweepPlan; problems: (SweepProblem | (ConfigProblem & { member: number }))[] } {
  const { spec, problems } = parseSweep(input);
  const errors: (SweepProblem | (ConfigProblem & { member: number }))[] = problems.filter((p) => p.severity === 'error');
  if (!spec) return { problems: errors.length ? errors : [{ path: [SWEEP_KEY], severity: 'error', message: 'The experiment has no "sweep" object.' }] };
  const base = sweepBase(input);
  const baseResolved = resolveConfig(base);
  if (baseResolved.problems.length > 0) return { problems: baseResolved.problems.map((p) => ({ ...p, member: -1 })) };
  const members: PlannedMember[] = [];
  for (const [index, values] of expandCombinations(spec).entries()) {
    const label = describeValues(values);
    const { config, problems: memberProblems } = resolveConfig({ ...base, ...values, name: `${baseResolved.config.name} ${label}` });
    for (const p of memberProblems) errors.push({ key: p.key, member: index, message: `Combination ${index + 1} (${label}): ${p.message}` });
    members.push({ index, values, config });
  }
  if (errors.length > 0) return { problems: errors };
  return {
    plan: { name: baseResolved.config.name, parallel: parallelOverride ?? spec.parallel, keys: spec.axes.map((a) => a.key), base, members },
    problems: [],
  };
}

// ---- the manifest and its state machine ----

/**
 * A member's state. pending → running → completed | stopped | failed; a resumed sweep starts
 * every member that is not completed again (stopped, failed and interrupted ones from their run's
 * last checkpoint, pending ones from scratch).
 */
export type SweepMemberStatus = 'pending' | 'running' | 'completed' | 'stopped' | 'failed';
export type SweepState = 'running' | 'stopped' | 'completed' | 'failed';

export interface SweepMember {
  index: number;
  values: SweepValues;
  config: ExperimentConfig;
  status: SweepMemberStatus;
  /** The member's run folder name under the runs root, once its trainer has created it. */
  runId: string | null;
  /** Why it failed (the trainer's message). */
  error: string | null;
}

export interface SweepManifest {
  formatVersion: number;
  id: string;
  name: string;
  /** The experiment file it came from, when there was one. */
  source: string | null;
  createdAt: string;
  updatedAt: string;
  /** Members training at once. */
  parallel: number;
  /** Swept keys in plan order. */
  keys: string[];
  /** The file's settings without the sweep. */
  base: Record<string, unknown>;
  state: SweepState;
  /** The process driving the sweep while it runs (VS Code's extension host or `gan-studio sweep`). */
  owner: { pid: number; hostname: string } | null;
  members: SweepMember[];
}

/** run.json's `sweep`: the sweep a run belongs to and its combination. */
export interface RunSweepInfo {
  id: string;
  index: number;
  /** Members of the sweep. */
  count: number;
  values: SweepValues;
}

export function newSweepManifest(id: string, plan: SweepPlan, source: string | null, now = new Date()): SweepManifest {
  const iso = now.toISOString();
  return {
    formatVersion: SWEEP_FORMAT_VERSION,
    id,
    name: plan.name,
    source,
    createdAt: iso,
    updatedAt: iso,
    parallel: plan.parallel,
    keys: plan.keys,
    base: plan.base,
    state: 'stopped',
    owner: null,
    members: plan.members.map((m) => ({ index: m.index, values: m.values, config: m.config, status: 'pending', runId: null, error: null })),
  };
}

export function sweepId(now: Date, name: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'sweep';
  return `${stamp}-${slug}`;
}

export function memberInfo(manifest: SweepManifest, member: SweepMember): RunSweepInfo {
  return { id: manifest.id, index: member.index, count: manifest.members.length, values: member.values };
}

/** The members a (re)started sweep will train, in order: every one that has not completed. */
export function membersToRun(manifest: SweepManifest): SweepMember[] {
  return manifest.members.filter((m) => m.status !== 'completed');
}

/** How a member that is not completed continues: from its run's checkpoint when it has a run, else from scratch. */
export function continuation(member: SweepMember): 'resume' | 'start' {
  return member.runId ? 'resume' : 'start';
}

/** The state of a sweep once no member trains: completed when all are, stopped when stopped, else failed. */
export function finalState(manifest: SweepManifest, stopRequested: boolean): SweepState {
  if (manifest.members.every((m) => m.status === 'completed')) return 'completed';
  if (stopRequested || manifest.members.some((m) => m.status === 'stopped' || m.status === 'pending')) return 'stopped';
  return 'failed';
}

export function countByStatus(manifest: SweepManifest): Record<SweepMemberStatus, number> {
  const out: Record<SweepMemberStatus, number> = { pending: 0, running: 0, completed: 0, stopped: 0, failed: 0 };
  for (const m of manifest.members) out[m.status]++;
  return out;
}

export class SweepFormatError extends Error {}

/** Checks a parsed sweep.json; throws SweepFormatError naming the problem. */
export function parseSweepManifest(value: unknown, file: string): SweepManifest {
  const fail = (what: string): never => {
    throw new SweepFormatError(`${file}: ${what} (see docs/run-format.md, "Sweeps").`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) return fail('not a JSON object');
  const v = value as Partial<SweepManifest>;
  if (v.formatVersion !== SWEEP_FORMAT_VERSION) fail(`formatVersion ${JSON.stringify(v.formatVersion)} is not ${SWEEP_FORMAT_VERSION}`);
  if (typeof v.id !== 'string' || typeof v.name !== 'string') fail('"id" and "name" must be strings');
  if (!Array.isArray(v.members) || v.members.length === 0) fail('"members" must be a non-empty list');
  if (!Array.isArray(v.keys)) fail('"keys" must be a list');
  const statuses: readonly string[] = ['pending', 'running', 'completed', 'stopped', 'failed'];
  v.members!.forEach((m, i) => {
    if (!m || typeof m !== 'object' || m.index !== i || !statuses.includes(m.status) || !m.config || typeof m.config !== 'object' || !m.values || typeof m.values !== 'object') {
      fail(`member ${i} is damaged (it needs index ${i}, a status, values and a config)`);
    }
    if (m.runId !== null && (typeof m.runId !== 'string' || m.runId.includes('/') || m.runId.includes('\\') || m.runId.startsWith('.'))) fail(`member ${i} has a bad runId`);
  });
  if (!['running', 'stopped', 'completed', 'failed'].includes(v.state as string)) fail(`"state" ${JSON.stringify(v.state)} is not running, stopped, completed or failed`);
  return v as SweepManifest;
}
