/**
 * The language of experiment files (`*.gan.json`): diagnostics, hovers, completions and the
 * summary lens, computed from the text alone (pure; used by the language server, unit-tested).
 * Validation is the trainer's own (resolveConfig), so what the editor accepts is what trains.
 */
import { findNodeAtLocation, getLocation, Node as JsonNode, parseTree, ParseError, printParseErrorCode } from 'jsonc-parser';
import {
  CONFIG_FIELDS,
  datasetSummary,
  ExperimentConfig,
  isPresetName,
  PRESET_DESCRIPTIONS,
  PRESETS,
  resolveConfig,
  stepsPerEpoch,
  totalSteps,
} from '../protocol/experimentConfig';
import { formatCount } from '../protocol/format';
import { SWEEP_KEY, SWEEP_PARALLEL_KEY } from '../protocol/sweepFormat';
import { sweepCompletions, sweepHover, sweepKeyCompletions, sweepProblems, sweepSummary } from './sweepLanguage';

export const TRAIN_SET_SIZE = 60000;

export type Severity = 'error' | 'warning' | 'information';

export interface TextRange {
  offset: number;
  length: number;
}

export interface Problem {
  range: TextRange;
  severity: Severity;
  message: string;
}

type Keys = keyof ExperimentConfig;
const KEYS = Object.keys(CONFIG_FIELDS) as Keys[];

function parse(text: string): { root: JsonNode | undefined; errors: ParseError[] } {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  return { root, errors };
}

function propertyNodes(root: JsonNode | undefined): { key: JsonNode; value: JsonNode | undefined }[] {
  if (root?.type !== 'object') return [];
  return (root.children ?? []).map((p) => ({ key: p.children![0], value: p.children![1] }));
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}

export function suggestKey(key: string): string | undefined {
  const best = KEYS.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

export function diagnose(text: string): Problem[] {
  const { root, errors } = parse(text);
  const problems: Problem[] = errors.map((e) => ({
    range: { offset: e.offset, length: Math.max(1, e.length) },
    severity: 'error',
    message: `JSON: ${printParseErrorCode(e.error)}`,
  }));
  if (errors.length > 0) return problems;
  if (root?.type !== 'object') {
    return [{ range: { offset: root?.offset ?? 0, length: root?.length ?? 1 }, severity: 'error', message: 'An experiment file is a JSON object, e.g. {"preset": "quick", "epochs": 5}.' }];
  }
  const input = JSON.parse(text) as Record<string, unknown>;
  const { config, problems: configProblems } = resolveConfig(input);
  const props = propertyNodes(root);
  for (const p of configProblems) {
    const prop = props.find((x) => x.key.value === p.key);
    const node = prop ? (p.message.startsWith('Unknown') ? prop.key : prop.value ?? prop.key) : root;
    let message = p.message;
    if (prop && p.message.startsWith('Unknown')) {
      const hint = suggestKey(String(prop.key.value));
      message = hint ? `Unknown setting "${prop.key.value}". Did you mean "${hint}"?` : message;
    }
    problems.push({ range: { offset: node.offset, length: node.length }, severity: 'error', message });
  }
  const seen = new Set<string>();
  for (const p of props) {
    const key = String(p.key.value);
    if (seen.has(key)) problems.push({ range: { offset: p.key.offset, length: p.key.length }, severity: 'error', message: `"${key}" is set twice; the last value wins.` });
    seen.add(key);
  }
  if (configProblems.length === 0) {
    const lr = props.find((p) => p.key.value === 'learningRate');
    if (lr?.value && config.learningRate > 0.002) {
      problems.push({ range: { offset: lr.value.offset, length: lr.value.length }, severity: 'warning', message: `A DCGAN usually diverges with a learning rate this high (the reference uses 0.0002).` });
    }
    const b1 = props.find((p) => p.key.value === 'beta1');
    if (b1?.value && config.beta1 > 0.9) {
      problems.push({ range: { offset: b1.value.offset, length: b1.value.length }, severity: 'warning', message: 'β1 above 0.9 makes GAN training oscillate; DCGAN uses 0.5.' });
    }
  }
  problems.push(...sweepProblems(root, input, configProblems.length === 0));
  return problems;
}

function presetName(text: string): ExperimentConfig['preset'] {
  try {
    const value = (JSON.parse(text) as Record<string, unknown>).preset;
    return isPresetName(value) ? value : 'reference';
  } catch {
    return 'reference';
  }
}

/** Markdown for the key or value under the cursor, or undefined. */
export function hover(text: string, offset: number): { markdown: string; range: TextRange } | undefined {
  const { root } = parse(text);
  if (!root) return undefined;
  const location = getLocation(text, offset);
  const key = location.path[0];
  if (key === SWEEP_KEY || key === SWEEP_PARALLEL_KEY) return sweepHover(text, root, location, presetName(text));
  if (location.path.length !== 1 || typeof key !== 'string') return undefined;
  const node = findNodeAtLocation(root, [key]);
  const keyNode = node?.parent?.children?.[0];
  if (!node || !keyNode) return undefined;
  const range = location.isAtPropertyKey ? { offset: keyNode.offset, length: keyNode.length } : { offset: node.offset, length: node.length };
  if (!Object.prototype.hasOwnProperty.call(CONFIG_FIELDS, key)) return { markdown: `Unknown setting **${key}**.${suggestKey(key) ? ` Did you mean \`${suggestKey(key)}\`?` : ''}`, range };
  const field = CONFIG_FIELDS[key as Keys];
  const preset = presetName(text);
  const lines = [`**${key}** — ${field.doc}`, '', `Reference lesson: \`${JSON.stringify(PRESETS.reference[key as Keys])}\``];
  if (preset !== 'reference') lines.push(`${preset} preset: \`${JSON.stringify(PRESETS[preset][key as Keys])}\``);
  if (key === 'preset' && typeof node.value === 'string' && isPresetName(node.value)) lines.push('', PRESET_DESCRIPTIONS[node.value]);
  return { markdown: lines.join('\n'), range };
}

export interface Completion {
  label: string;
  /** Text to insert (a snippet for keys). */
  insertText: string;
  snippet: boolean;
  detail: string;
  documentation: string;
  kind: 'property' | 'value';
}

/** Keys that are not set yet (at a key position) or the allowed values (at a value position). */
export function complete(text: string, offset: number): Completion[] {
  const location = getLocation(text, offset);
  const { root } = parse(text);
  const present = new Set(propertyNodes(root).map((p) => String(p.key.value)));
  if (location.path[0] === SWEEP_KEY && location.path.length > 1) return sweepCompletions(root, location, presetName(text));
  if (location.isAtPropertyKey || location.path.length === 0) {
    const preset = presetName(text);
    return KEYS.filter((k) => !present.has(k) || location.previousNode?.value === k).map<Completion>((k) => ({
      label: k,
      insertText: `"${k}": ${snippetValue(k, PRESETS[preset][k])}`,
      snippet: true,
      detail: `${preset}: ${JSON.stringify(PRESETS[preset][k])}`,
      documentation: CONFIG_FIELDS[k].doc,
      kind: 'property' as const,
    })).concat(sweepKeyCompletions(present));
  }
  const key = location.path[0];
  if (location.path.length === 1 && typeof key === 'string' && Object.prototype.hasOwnProperty.call(CONFIG_FIELDS, key)) {
    const rule = CONFIG_FIELDS[key as Keys].rule;
    if (rule.kind === 'enum') {
      return rule.values.map((v) => ({
        label: v,
        insertText: JSON.stringify(v),
        snippet: false,
        detail: key === 'preset' && isPresetName(v) ? PRESET_DESCRIPTIONS[v] : '',
        documentation: '',
        kind: 'value' as const,
      }));
    }
    if (rule.kind === 'boolean') return [true, false].map((v) => ({ label: String(v), insertText: String(v), snippet: false, detail: '', documentation: '', kind: 'value' as const }));
    if (rule.kind === 'number' && rule.nullable) return [{ label: 'null', insertText: 'null', snippet: false, detail: 'use learningRate', documentation: '', kind: 'value' }];
    if (rule.kind === 'int' && rule.nullable) return [{ label: 'null', insertText: 'null', snippet: false, detail: 'no limit / all', documentation: '', kind: 'value' }];
    if (rule.kind === 'choice') {
      const detail = (v: number | null) => (key === 'channels' ? (v === null ? "the data set's own" : v === 1 ? 'grey' : 'RGB colour') : '');
      return [...rule.values, ...(rule.nullable ? [null] : [])].map((v) => ({ label: String(v), insertText: String(v), snippet: false, detail: detail(v), documentation: '', kind: 'value' as const }));
    }
    if (rule.kind === 'string' && rule.nullable) return [{ label: 'null', insertText: 'null', snippet: false, detail: key === 'datasetPath' ? 'the usual look-up (setting, cache, Debian, download)' : '', documentation: '', kind: 'value' }];
  }
  return [];
}

function snippetValue(key: Keys, value: unknown): string {
  const rule = CONFIG_FIELDS[key].rule;
  if (rule.kind === 'enum') return `"\${1|${rule.values.join(',')}|}"`;
  if (rule.kind === 'boolean') return `\${1|${value ? 'true,false' : 'false,true'}|}`;
  if (rule.kind === 'choice') return `\${1|${[String(value), ...rule.values.filter((v) => v !== value).map(String), ...(value !== null && rule.nullable ? ['null'] : [])].join(',')}|}`;
  return `\${1:${JSON.stringify(value).replace(/[$}\\]/g, '\\$&')}}`;
}

/** One line that says what the file trains, for the lens at its top; undefined if it cannot train. */
export function summary(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { config, problems } = resolveConfig(value);
  if (problems.length > 0) return undefined;
  const images = config.trainSubset === null ? TRAIN_SET_SIZE : Math.min(config.trainSubset, TRAIN_SET_SIZE);
  const steps = totalSteps(config, TRAIN_SET_SIZE);
  const sweep = sweepSummary(value);
  if (sweep === null) return undefined;
  if (config.dataset !== 'fashion-mnist') {
    // The size of the other data sets is known only when they are loaded.
    return `${sweep ?? ''}${config.preset}-based · ${datasetSummary(config) || config.dataset} · batch ${config.batchSize} · width ${config.featureSize}`;
  }
  return `${sweep ?? ''}${config.preset}-based · ${formatCount(steps)} steps (${stepsPerEpoch(config, TRAIN_SET_SIZE)} per epoch over ${formatCount(images)} images) · batch ${config.batchSize} · width ${config.featureSize}`;
}

/** A code lens at the top of an experiment file: clickable when `command` is set. */
export interface TrainLens {
  title: string;
  /** Arguments go to the train command; absent for a lens that only informs. */
  train: boolean;
  tooltip?: string;
}

/**
 * The lenses of an experiment file: "Train this experiment" and the run's size when the file is
 * valid; when it is not, the same lens shown disabled with the reason (the first error, and how
 * many more), so it does not silently disappear.
 */
export function trainLenses(text: string): TrainLens[] {
  const text2 = summary(text);
  if (text2) return [{ title: '$(play) Train this experiment', train: true }, { title: text2, train: false }];
  const errors = diagnose(text).filter((p) => p.severity === 'error');
  const first = errors[0]?.message ?? 'The file is not a valid experiment.';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return [
    {
      title: `$(circle-slash) Train this experiment — unavailable: ${first}${more}`,
      train: false,
      tooltip: 'Fix the problems underlined in the file (see the Problems panel) to train it.',
    },
  ];
}
