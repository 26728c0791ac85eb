/**
 * The sweep part of the experiment-file language (`"sweep"` and `"sweepParallel"`, see
 * src/protocol/sweepFormat.ts): diagnostics placed on the offending key or value, the combination
 * count in hovers and the lens, completions of sweepable keys and their values. Pure.
 */
import { findNodeAtLocation, Location, Node as JsonNode } from 'jsonc-parser';
import { CONFIG_FIELDS, ExperimentConfig, PRESETS, PresetName } from '../protocol/experimentConfig';
import {
  combinationCount,
  describeValues,
  expandCombinations,
  isSweepableKey,
  parseSweep,
  planSweep,
  SWEEP_KEY,
  SWEEP_MAX_PARALLEL,
  SWEEP_PARALLEL_KEY,
  SWEEP_WARN_COMBINATIONS,
  sweepableKeys,
} from '../protocol/sweepFormat';
import type { Completion, Problem, TextRange } from './experimentService';

const SWEEP_DOC =
  'Trains every combination of the listed values (a sweep): `{"learningRate": [0.0001, 0.0002], "loss": ["bce", "hinge"]}`. ' +
  'Order: the first key is the outermost loop, the last varies fastest. Each combination is a normal run, grouped under one sweep node in the Runs view; ' +
  'Train GAN queues them (one at a time, or `sweepParallel` at once) and a stopped sweep resumes where it stopped.';
const PARALLEL_DOC = `How many members of the sweep train at once (1 to ${SWEEP_MAX_PARALLEL}; default 1, one at a time). Members share the CPU or GPU.`;

function rangeOf(node: JsonNode): TextRange {
  return { offset: node.offset, length: node.length };
}

/** The node a problem's path points at: the value, or the key for a key that should not be there. */
function nodeAt(root: JsonNode, path: (string | number)[], onKey: boolean): JsonNode {
  const node = findNodeAtLocation(root, path) ?? root;
  if (onKey && node.parent?.type === 'property') return node.parent.children![0];
  return node;
}

export function sweepProblems(root: JsonNode, input: Record<string, unknown>, baseValid: boolean): Problem[] {
  const { spec, problems } = parseSweep(input);
  const out: Problem[] = problems.map((p) => {
    const key = p.path[1];
    const onKey = p.path.length === 2 && typeof key === 'string' && !isSweepableKey(key);
    return { range: rangeOf(nodeAt(root, p.path, onKey || p.path[0] === SWEEP_PARALLEL_KEY && p.message.includes('needs'))), severity: p.severity, message: p.message };
  });
  if (spec && baseValid) {
    // Combinations that are invalid together with the rest of the file (e.g. hinge with labelSmoothing).
    const sweepNode = findNodeAtLocation(root, [SWEEP_KEY]);
    for (const p of planSweep(input).problems) if ('member' in p) out.push({ range: rangeOf(sweepNode ?? root), severity: 'error', message: p.message });
  }
  return out;
}

/** Markdown for a key or value inside `sweep`, or for `sweep` / `sweepParallel` themselves. */
export function sweepHover(text: string, root: JsonNode, location: Location, preset: PresetName): { markdown: string; range: TextRange } | undefined {
  const [top, key] = location.path;
  const topNode = findNodeAtLocation(root, [top]);
  if (!topNode) return undefined;
  const topRange = location.isAtPropertyKey && location.path.length === 1 ? rangeOf(topNode.parent!.children![0]) : rangeOf(topNode);
  if (top === SWEEP_PARALLEL_KEY) return { markdown: `**${SWEEP_PARALLEL_KEY}** — ${PARALLEL_DOC}`, range: topRange };
  let value: unknown;
  try {
    value = (JSON.parse(text) as Record<string, unknown>)[SWEEP_KEY];
  } catch {
    value = undefined;
  }
  const count = combinationCount(value);
  const countLine = `**${count} combination${count === 1 ? '' : 's'}**${count > SWEEP_WARN_COMBINATIONS ? ` (more than ${SWEEP_WARN_COMBINATIONS}: each is a full training run)` : ''}.`;
  if (location.path.length === 1 || typeof key !== 'string' || key === '') {
    const lines = [`**${SWEEP_KEY}** — ${SWEEP_DOC}`, '', countLine];
    const { spec } = parseSweep({ [SWEEP_KEY]: value });
    if (spec && count <= 8) lines.push('', ...expandCombinations(spec).map((v, i) => `${i + 1}. ${describeValues(v)}`));
    return { markdown: lines.join('\n'), range: topRange };
  }
  const node = findNodeAtLocation(root, [SWEEP_KEY, key]);
  if (!node) return undefined;
  const range = location.isAtPropertyKey ? rangeOf(node.parent!.children![0]) : rangeOf(node);
  if (!isSweepableKey(key)) return { markdown: `**${key}** cannot be swept here. Sweepable settings: ${sweepableKeys().join(', ')}.`, range };
  const n = Array.isArray(node.children) && node.type === 'array' ? node.children.length : 0;
  return {
    markdown: [`**${key}** (swept over ${n} value${n === 1 ? '' : 's'}) — ${CONFIG_FIELDS[key].doc}`, '', `${preset} preset: \`${JSON.stringify(PRESETS[preset][key])}\``, '', `The sweep: ${countLine}`].join('\n'),
    range,
  };
}

/** Completions inside `sweep`: the sweepable keys not listed yet (as a one-value list), or a listed key's allowed values. */
export function sweepCompletions(root: JsonNode | undefined, location: Location, preset: PresetName): Completion[] {
  const key = location.path[1];
  if (location.isAtPropertyKey && location.path.length === 2) {
    const sweepNode = root ? findNodeAtLocation(root, [SWEEP_KEY]) : undefined;
    const present = new Set((sweepNode?.children ?? []).map((p) => String(p.children?.[0]?.value)));
    return sweepableKeys()
      .filter((k) => !present.has(k) || location.previousNode?.value === k)
      .map((k) => ({
        label: k,
        insertText: `"${k}": [${valueSnippet(k, PRESETS[preset][k])}]`,
        snippet: true,
        detail: `sweep over values (${preset}: ${JSON.stringify(PRESETS[preset][k])})`,
        documentation: CONFIG_FIELDS[k].doc,
        kind: 'property' as const,
      }));
  }
  if (location.path.length === 3 && typeof key === 'string' && isSweepableKey(key)) {
    const rule = CONFIG_FIELDS[key].rule;
    if (rule.kind === 'enum') return rule.values.map((v) => ({ label: v, insertText: JSON.stringify(v), snippet: false, detail: '', documentation: '', kind: 'value' as const }));
    if (rule.kind === 'boolean') return [true, false].map((v) => ({ label: String(v), insertText: String(v), snippet: false, detail: '', documentation: '', kind: 'value' as const }));
    if (rule.kind === 'choice') return rule.values.map((v) => ({ label: String(v), insertText: String(v), snippet: false, detail: '', documentation: '', kind: 'value' as const }));
  }
  return [];
}

/** `sweep` and `sweepParallel` among the top-level keys. */
export function sweepKeyCompletions(present: Set<string>): Completion[] {
  const out: Completion[] = [];
  if (!present.has(SWEEP_KEY)) out.push({ label: SWEEP_KEY, insertText: `"${SWEEP_KEY}": {\n\t"\${1:learningRate}": [\${2:0.0001, 0.0002}]\n}`, snippet: true, detail: 'train every combination of values', documentation: SWEEP_DOC, kind: 'property' });
  if (!present.has(SWEEP_PARALLEL_KEY)) out.push({ label: SWEEP_PARALLEL_KEY, insertText: `"${SWEEP_PARALLEL_KEY}": \${1:1}`, snippet: true, detail: 'members training at once (default 1)', documentation: PARALLEL_DOC, kind: 'property' });
  return out;
}

function valueSnippet(key: keyof ExperimentConfig, value: unknown): string {
  const rule = CONFIG_FIELDS[key].rule;
  if (rule.kind === 'enum') return `"\${1|${rule.values.join(',')}|}"`;
  if (rule.kind === 'boolean') return '${1:false}, ${2:true}';
  if (rule.kind === 'choice') return rule.values.map((v, i) => `\${${i + 1}:${v}}`).join(', ');
  return `\${1:${JSON.stringify(value).replace(/[$}\\]/g, '\\$&')}}`;
}

/**
 * The lens's words for a sweep: "Sweep of 4 runs (lr × loss) · " before the run's size;
 * undefined without a sweep; null when the sweep cannot train.
 */
export function sweepSummary(input: unknown): string | null | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return undefined;
  const record = input as Record<string, unknown>;
  if (!(SWEEP_KEY in record) && !(SWEEP_PARALLEL_KEY in record)) return undefined;
  const { plan } = planSweep(record);
  if (!plan) return null;
  const n = plan.members.length;
  return `Sweep of ${n} run${n === 1 ? '' : 's'} (${plan.keys.join(' × ')}${plan.parallel > 1 ? `, ${plan.parallel} at once` : ''}) · each `;
}
