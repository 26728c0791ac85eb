/**
 * The run's header: name and status (with the error of a failed run), epoch and step of the total,
 * throughput, ETA and backend, and the buttons that fit the status (Pause/Continue, Stop,
 * Checkpoint now while training here; Resume when it can continue; Open folder and Log always).
 */
import type { DashboardStatus, RunAction, RunInfo } from '../../../src/protocol/dashboardProtocol';
import { assertNever } from '../../../src/protocol/experimentConfig';
import { formatCount, formatDuration } from '../../../src/protocol/format';
import { h, setChildren } from '../../common/dom';
import { waitingText } from '../model/loading';
import { epochsAt, formatEpochProgress, formatEpochs, formatEta } from '../../../src/protocol/steps';

interface StatusLook {
  label: string;
  icon: string;
  spin?: boolean;
}

export function statusLook(status: DashboardStatus): StatusLook {
  switch (status) {
    case 'starting':
      return { label: 'Starting', icon: 'loading', spin: true };
    case 'running':
      return { label: 'Training', icon: 'sync', spin: true };
    case 'paused':
      return { label: 'Paused', icon: 'debug-pause' };
    case 'stopping':
      return { label: 'Stopping', icon: 'loading', spin: true };
    case 'completed':
      return { label: 'Completed', icon: 'pass-filled' };
    case 'stopped':
      return { label: 'Stopped', icon: 'debug-stop' };
    case 'failed':
      return { label: 'Failed', icon: 'error' };
    case 'interrupted':
      return { label: 'Interrupted', icon: 'warning' };
    default:
      return assertNever(status);
  }
}

function button(label: string, iconName: string, action: RunAction, onAction: (a: RunAction) => void, options: { secondary?: boolean; title?: string; disabled?: boolean } = {}): HTMLElement {
  const b = h('vscode-button', { icon: iconName, 'data-action': action, title: options.title ?? label, secondary: options.secondary ?? false, disabled: options.disabled ?? false }, label);
  b.addEventListener('click', () => onAction(action));
  return b;
}

function fact(label: string, value: string, title?: string): HTMLElement {
  return h('span', { class: 'fact', title: title ?? false }, h('span', { class: 'fact-label', text: label }), h('span', { class: 'fact-value', text: value }));
}

export class Header {
  readonly element = h('header', { class: 'run-header' });
  /** The sections, each rebuilt only when what it shows changed (buttons stay put under the pointer). */
  private readonly sections = {
    title: h('div', { class: 'title-row' }),
    facts: h('div', { class: 'facts' }),
    progress: h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Training progress', 'aria-valuemin': 0 }),
    config: h('div', { class: 'config' }),
    actions: h('div', { class: 'actions' }),
    notes: h('div', { class: 'notes' }),
  };
  private readonly bar = h('div', { class: 'bar' });
  private readonly keys = new Map<string, string>();

  constructor(private readonly onAction: (action: RunAction) => void) {
    this.sections.progress.append(this.bar);
  }

  /** Runs `build` into a section when `key` differs from the last time. */
  private section(name: keyof Header['sections'], key: unknown, build: () => (HTMLElement | string | null)[]): void {
    const k = JSON.stringify(key);
    if (this.keys.get(name) === k) return;
    this.keys.set(name, k);
    setChildren(this.sections[name], ...build());
  }

  render(info: RunInfo | undefined, unavailable: string | undefined): void {
    if (!info) {
      this.keys.clear();
      setChildren(this.element, h('div', { class: 'notice error', role: 'alert', text: waitingText(undefined, 0, unavailable) }));
      return;
    }
    if (this.element.firstElementChild !== this.sections.title) {
      this.keys.clear();
      setChildren(this.element, ...Object.values(this.sections));
    }
    const look = statusLook(info.status);
    const p = info.progress;
    const epochsDone = epochsAt(p.step, p.stepsPerEpoch);
    this.section('title', [info.name, info.status, info.id, info.key], () => [
      h('h1', { class: 'run-name', text: info.name, title: info.key }),
      h(
        'span',
        { class: `status status-${info.status}`, 'data-status': info.status, role: 'status' },
        h('vscode-icon', { name: look.icon, spin: look.spin ?? false }),
        h('span', { text: look.label }),
      ),
      h('span', { class: 'run-id', text: info.id }),
    ]);
    const facts: [string, string, string?][] = [
      ['Epoch', formatEpochProgress(p.step, p.totalSteps, p.stepsPerEpoch), `${formatEpochs(epochsDone)} epochs done (step ÷ ${formatCount(p.stepsPerEpoch)} steps per epoch)`],
      ['Step', `${formatCount(p.step)} / ${formatCount(p.totalSteps)}`],
      ['Images/s', p.imagesPerSec === null ? '–' : formatCount(Math.round(p.imagesPerSec))],
      ...(info.live ? [['ETA', formatEta(p.etaSec, formatDuration), 'From the mean time of the last 50 steps'] as [string, string, string]] : []),
      ['Training time', formatDuration(p.elapsedSec)],
      ['Backend', info.backend ?? '–', info.backendDetail ?? undefined],
    ];
    this.section('facts', facts, () => facts.map(([label, value, title]) => fact(label, value, title)));
    this.bar.style.width = `${Math.min(100, (100 * p.step) / Math.max(1, p.totalSteps)).toFixed(2)}%`;
    this.sections.progress.className = `progress status-${info.status}`;
    this.sections.progress.setAttribute('aria-valuemax', String(p.totalSteps));
    this.sections.progress.setAttribute('aria-valuenow', String(p.step));
    this.section('config', info.configSummary, () => [info.configSummary]);
    this.section('actions', [info.status, info.controllable, info.canResume, info.external], () => this.actions(info));
    this.section('notes', [info.status, info.message, info.live, info.controllable, info.error, info.metricsWarning, info.external, unavailable], () => this.notes(info, unavailable));
  }

  private actions(info: RunInfo): HTMLElement[] {
    const a = this.onAction;
    const out: HTMLElement[] = [];
    if (info.controllable) {
      const busy = info.status === 'starting' || info.status === 'stopping';
      if (info.status === 'paused') out.push(button('Continue', 'debug-continue', 'continue', a));
      else out.push(button('Pause', 'debug-pause', 'pause', a, { disabled: busy }));
      out.push(button('Stop', 'debug-stop', 'stop', a, { secondary: true, disabled: info.status === 'stopping', title: 'Stop after this step; a checkpoint is saved' }));
      out.push(button('Checkpoint now', 'save', 'checkpoint', a, { secondary: true, disabled: busy }));
    } else if (info.canResume) {
      out.push(
        info.status === 'completed'
          ? button('Train longer…', 'debug-restart', 'resume', a, { title: 'Continue this run for more epochs' })
          : button('Resume', 'debug-restart', 'resume', a, { title: 'Continue from the last checkpoint' }),
      );
    }
    out.push(button('Open folder', 'folder-opened', 'reveal', a, { secondary: true, title: 'Reveal the run folder' }));
    // An external run's log is the user's own script output, which GAN Studio does not have.
    if (!info.external) out.push(button('Log', 'output', 'showLog', a, { secondary: true, title: "Show the trainer's log" }));
    return out;
  }

  private notes(info: RunInfo, unavailable: string | undefined): HTMLElement[] {
    const notes: HTMLElement[] = [];
    if (info.message && info.status !== 'running') notes.push(h('div', { class: 'notice', text: info.message }));
    if (info.live && !info.controllable) {
      const where = info.external ? `Training in your own script (${info.external})` : 'Training in another window or from the command line';
      notes.push(h('div', { class: 'notice', text: `${where}; the dashboard follows its files.` }));
    }
    if (info.status === 'interrupted' && info.external) {
      notes.push(h('div', { class: 'notice warning', role: 'alert', text: 'Your training script stopped without calling finish(): it was killed or crashed (its process is gone or its heartbeat stopped).' }));
    } else if (info.status === 'interrupted') {
      notes.push(h('div', { class: 'notice warning', role: 'alert', text: 'The trainer was killed before it could finish. Resume continues from the last checkpoint (the steps after it are recomputed exactly).' }));
    }
    if (info.error) {
      const details = info.error.detail ? h('details', {}, h('summary', { text: 'Details' }), h('pre', { text: info.error.detail })) : null;
      notes.push(
        h(
          'div',
          { class: 'notice error', role: 'alert' },
          h('strong', { text: info.error.message }),
          info.error.hint ? h('div', { class: 'hint', text: info.error.hint }) : null,
          details,
        ),
      );
    }
    if (info.metricsWarning) notes.push(h('div', { class: 'notice warning', text: info.metricsWarning }));
    if (unavailable) notes.push(h('div', { class: 'notice error', role: 'alert', text: unavailable }));
    return notes;
  }
}
