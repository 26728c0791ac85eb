/**
 * What the Runs tree shows, computed from run summaries (pure, no vscode import, unit-tested):
 * labels, descriptions, tooltips, icons and the context values that menus key on.
 */
import { datasetSummary, trainingOptionsSummary } from '../../protocol/experimentConfig';
import { formatDuration, formatLoss } from '../../protocol/format';
import { RunManifest, REAL_GRID_FILE } from '../../protocol/runFormat';
import { epochsAt, formatEpochProgress, formatEpochs, formatEta, formatStepEpoch } from '../../protocol/steps';
import type { RunSummary } from './runStore';

/** What the tree shows for a run: its manifest's status, or the live state of a run we drive. */
export type DisplayStatus = 'running' | 'paused' | 'completed' | 'stopped' | 'failed' | 'interrupted' | 'damaged';

export interface LiveRunState {
  paused: boolean;
}

export type IconSpec = { id: string; color?: string };

export interface NodeView {
  label: string;
  description?: string;
  /** Markdown. */
  tooltip?: string;
  icon: IconSpec;
  contextValue: string;
  collapsible: boolean;
}

export function displayStatus(run: RunSummary, live?: LiveRunState): DisplayStatus {
  if (!run.manifest) return 'damaged';
  if (live) return live.paused ? 'paused' : 'running';
  if (run.interrupted) return 'interrupted';
  return run.manifest.status;
}

const ICONS: Record<DisplayStatus, IconSpec> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  paused: { id: 'debug-pause', color: 'charts.yellow' },
  completed: { id: 'pass-filled', color: 'testing.iconPassed' },
  stopped: { id: 'stop-circle', color: 'charts.orange' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  interrupted: { id: 'debug-disconnect', color: 'list.warningForeground' },
  damaged: { id: 'warning', color: 'list.errorForeground' },
};

/** The words for each status, the same in the tooltip as the icon says at a glance. */
export const STATUS_WORDS: Record<DisplayStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  stopped: 'Stopped',
  failed: 'Failed',
  interrupted: 'Interrupted',
  damaged: 'Damaged',
};

function epochText(m: RunManifest): string {
  const { step, stepsPerEpoch, totalSteps } = m.progress;
  return `${formatEpochProgress(step, totalSteps, stepsPerEpoch).replace(' / ', '/')} epochs`;
}

function lossText(m: RunManifest): string {
  return m.lastMetrics ? `D ${formatLoss(m.lastMetrics.lossD)} · G ${formatLoss(m.lastMetrics.lossG)}` : '';
}

/** What a row can say about a run among the others: the config keys that differ between runs, and now. */
export interface RowContext {
  differing: readonly string[];
  now: number;
}

/** Short names for config keys in rows. */
const SHORT_KEYS: Record<string, string> = { learningRate: 'lr', batchSize: 'batch', latentSize: 'latent', featureSize: 'width', maxSteps: 'max steps', trainSubset: 'subset' };

/** Config keys (not the name) whose values differ between the runs: what tells runs apart. */
export function differingConfigKeys(runs: readonly RunSummary[]): string[] {
  const configs = runs.flatMap((r) => (r.manifest ? [r.manifest.config as unknown as Record<string, unknown>] : []));
  if (configs.length < 2) return [];
  return Object.keys(configs[0]).filter((k) => k !== 'name' && configs.some((c) => JSON.stringify(c[k]) !== JSON.stringify(configs[0][k])));
}

/** "lr 0.0002 · batch 64 · seed 3": up to `max` differing keys with this run's values. */
export function distinguishingText(m: RunManifest, differing: readonly string[], max = 3): string {
  const c = m.config as unknown as Record<string, unknown>;
  return differing
    .slice(0, max)
    .map((k) => `${SHORT_KEYS[k] ?? k} ${c[k] === null ? '–' : String(c[k])}`)
    .join(' · ');
}

/** "3m ago", "5h ago", "2d ago". */
export function ageText(iso: string, now: number): string {
  const min = Math.floor((now - Date.parse(iso)) / 60000);
  if (!Number.isFinite(min)) return '';
  if (min < 1) return 'just now';
  if (min < 60) return `${min}m ago`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h}h ago` : `${Math.floor(h / 24)}d ago`;
}

export function runView(run: RunSummary, live?: LiveRunState, context?: RowContext): NodeView {
  const status = displayStatus(run, live);
  const flags = (m: RunManifest | undefined) => [m && m.checkpoints.length > 0 ? 'ckpt' : '', m && m.samples.length > 0 ? 'samples' : ''].filter(Boolean).join(':');
  // External runs (logged from the user's own script) get `run:external-<status>`: menus that stop,
  // pause or resume (which GAN Studio cannot do for them) do not match it.
  const external = !!run.manifest?.external;
  const contextValue = `run:${external ? 'external-' : ''}${status}${flags(run.manifest) ? `:${flags(run.manifest)}` : ''}`;
  if (!run.manifest) {
    return { label: run.id, description: 'unreadable run.json', tooltip: run.loadError, icon: ICONS.damaged, contextValue, collapsible: false };
  }
  const m = run.manifest;
  const parts: string[] = external ? [`external${m.external!.framework ? ` (${m.external!.framework.split(' ')[0]})` : ''}`] : [];
  if (status === 'running' || status === 'paused') {
    parts.push(`${status === 'paused' ? 'paused · ' : ''}step ${m.progress.step}/${m.progress.totalSteps}`);
    if (status === 'running') parts.push(`ETA ${formatEta(m.progress.etaSec, formatDuration)}`);
  } else {
    parts.push(status === 'interrupted' ? `interrupted at ${epochText(m)}` : epochText(m));
  }
  const losses = lossText(m);
  if (losses) parts.push(losses);
  const quality = qualityText(m);
  if (quality) parts.push(quality);
  if (context) {
    // Among many runs, what differs comes first; completed runs need no epoch count.
    const distinct = distinguishingText(m, context.differing);
    if (status === 'completed' && distinct) parts.shift();
    if (distinct) parts.unshift(distinct);
    if (run.notes?.tags.length) parts.push(run.notes.tags.map((t) => `#${t}`).join(' '));
    parts.push(ageText(m.createdAt, context.now));
  }
  return {
    label: m.name,
    description: parts.join(' · '),
    tooltip: runTooltip(run, status),
    icon: external && status === 'completed' ? { id: 'pass', color: 'testing.iconPassed' } : ICONS[status],
    contextValue,
    collapsible: true,
  };
}

function runTooltip(run: RunSummary, status: DisplayStatus): string {
  const m = run.manifest!;
  const c = m.config;
  const lines = [
    `$(${ICONS[status].id.replace('~spin', '')}) **${STATUS_WORDS[status]}** — ${escapeMd(m.name)}`,
    '',
    `| | |`,
    `|---|---|`,
    `| preset | ${c.preset} |`,
    `| epochs | ${c.epochs}${c.maxSteps !== null ? ` (max ${c.maxSteps} steps)` : ''} |`,
    `| batch size | ${c.batchSize} |`,
    `| learning rate | ${c.learningRate} (β1 ${c.beta1}, β2 ${c.beta2}) |`,
    `| latent · width | ${c.latentSize} · ${c.featureSize} |`,
    `| seed | ${c.seed} |`,
    `| backend | ${m.backend ? escapeMd(`${m.backend.name}: ${m.backend.detail}`) : c.backend} |`,
    `| progress | step ${m.progress.step}/${m.progress.totalSteps}, ${formatDuration(m.progress.elapsedSec)} of training |`,
  ];
  if (m.lastMetrics) lines.push(`| last losses | D ${formatLoss(m.lastMetrics.lossD)}, G ${formatLoss(m.lastMetrics.lossG)} (step ${m.lastMetrics.step}) |`);
  if (m.quality?.bestFid != null) lines.push(`| best FID-FMNIST | ${m.quality.bestFid.toFixed(2)} (step ${m.quality.bestFidStep}; not comparable with Inception-FID) |`);
  if (m.quality?.alarm) lines.push(`| quality | mode-collapse warning (see the dashboard's quality chart) |`);
  const options = trainingOptionsSummary(c);
  if (options.length > 0) lines.push(`| loss · stabilisers | ${escapeMd(options.join(' · '))} |`);
  if (datasetSummary(c)) lines.push(`| data set | ${escapeMd(datasetSummary(c))} |`);
  if (m.parent) lines.push(`| branched from | ${escapeMd(m.parent.runId)} @ ${m.parent.checkpoint} |`);
  if (m.external) {
    const x = m.external;
    lines.push(`| logged by | ${escapeMd(`${x.logger} ${x.loggerVersion}`)}${x.framework ? ` from ${escapeMd(x.framework)}` : ''} (external: GAN Studio shows it but cannot stop or resume it) |`);
    lines.push(`| heartbeat | ${escapeMd(m.updatedAt)} |`);
  }
  if (run.notes?.tags.length) lines.push(`| tags | ${escapeMd(run.notes.tags.join(', '))} |`);
  if (run.notes?.note) lines.push(`| note | ${escapeMd(run.notes.note.replace(/\n/g, ' '))} |`);
  if (m.error) lines.push('', `**Error:** ${escapeMd(m.error.message)}`, ...(m.error.hint ? ['', escapeMd(m.error.hint)] : []));
  for (const w of m.warnings ?? []) lines.push('', `**Warning:** ${escapeMd(w.message)}`);
  if (status === 'interrupted') {
    lines.push(
      '',
      m.external
        ? "The training script stopped without calling finish() (it was killed, or its machine went down): its process is gone or its heartbeat stopped. Run the script again to train on."
        : m.checkpoints.length > 0
          ? 'The trainer stopped without finishing (VS Code or the machine went down). Resume the run from its last checkpoint.'
          : 'The trainer stopped before the first checkpoint. Resuming starts the run again from step 0 with its own settings (the same run).',
    );
  }
  lines.push('', `\`${escapeMd(run.dir)}\``);
  return lines.join('\n');
}

/** "FID 23.4" (the run's best FID-FMNIST), with a warning sign when the mode-collapse alarm was raised. */
export function qualityText(m: RunManifest): string | undefined {
  const q = m.quality;
  if (!q || q.bestFid === null) return q?.alarm ? '⚠ collapse?' : undefined;
  return `FID ${q.bestFid < 100 ? q.bestFid.toFixed(1) : Math.round(q.bestFid)}${q.alarm ? ' ⚠' : ''}`;
}

function escapeMd(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>])/g, '\\$1');
}

export type ChildKind = 'checkpoints' | 'samples' | 'error';

export interface GroupView extends NodeView {
  kind: ChildKind;
}

export function runChildren(run: RunSummary): GroupView[] {
  const m = run.manifest;
  if (!m) return [];
  const groups: GroupView[] = [];
  if (m.error) {
    groups.push({
      kind: 'error',
      label: m.error.message,
      description: m.error.hint,
      tooltip: [m.error.message, m.error.hint, m.error.detail ? `\n\`\`\`\n${m.error.detail}\n\`\`\`` : ''].filter(Boolean).join('\n\n'),
      icon: { id: 'error', color: 'testing.iconFailed' },
      contextValue: 'runError',
      collapsible: false,
    });
  }
  groups.push({
    kind: 'checkpoints',
    label: 'Checkpoints',
    description: String(m.checkpoints.length),
    icon: { id: 'save-all' },
    contextValue: 'checkpoints',
    collapsible: m.checkpoints.length > 0,
  });
  groups.push({
    kind: 'samples',
    label: 'Sample grids',
    description: String(m.samples.length),
    icon: { id: 'file-media' },
    contextValue: 'samples',
    collapsible: true,
  });
  return groups;
}

export interface LeafView extends NodeView {
  /** Path relative to the run folder (sample grids) or checkpoint id. */
  target: string;
}

export function checkpointViews(m: RunManifest, formatTime: (iso: string) => string): LeafView[] {
  return [...m.checkpoints].reverse().map((c) => ({
    label: capitalise(formatStepEpoch(c.step, m.progress.stepsPerEpoch)),
    description: `${formatTime(c.time)}${c.reason === 'epoch' ? '' : ` · ${c.reason}`}`,
    tooltip: `Checkpoint **${c.id}**: after ${c.step} iterations, ${formatEpochs(epochsAt(c.step, m.progress.stepsPerEpoch))} epochs (${c.reason}), saved ${c.time}`,
    icon: { id: 'save' },
    // An external run's checkpoint holds no GAN Studio weights (no resume or export); one with an ONNX generator opens in the playground.
    contextValue: m.external ? (c.generator === 'onnx' ? 'checkpoint:onnx' : 'checkpoint:external') : 'checkpoint',
    collapsible: false,
    target: c.id,
  }));
}

export function sampleViews(m: RunManifest): LeafView[] {
  const real: LeafView = {
    label: 'Training images',
    description: 'real',
    tooltip: m.external ? 'Training images, as your script logged them' : '64 real training images, as the seed shows them',
    icon: { id: 'file-media' },
    contextValue: 'sample:real',
    collapsible: false,
    target: REAL_GRID_FILE,
  };
  const generated = [...m.samples].reverse().map((s) => ({
    label: `Step ${s.step.toLocaleString('en-US')}`,
    description: `epoch ${formatEpochs(epochsAt(s.step, m.progress.stepsPerEpoch))}`,
    tooltip: `G(fixed noise) after ${s.step} iterations (${formatEpochs(epochsAt(s.step, m.progress.stepsPerEpoch))} epochs)`,
    icon: { id: 'symbol-color' },
    contextValue: 'sample',
    collapsible: false,
    target: s.file,
  }));
  return [...generated, real];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
