/**
 * What the Runs tree shows for a sweep (pure, no vscode import, unit-tested): its status (from
 * the runs of its members, which are the source of truth, and sweep.json), progress n/m, the best
 * FID of its members, and which runs sit under it.
 */
import { describeValues, SweepManifest } from '../../protocol/sweepFormat';
import type { IconSpec, NodeView } from '../runs/runTreeModel';
import type { RunSummary } from '../runs/runStore';

/** FID as the run rows say it: one decimal below 100. */
const formatFid = (fid: number) => (fid < 100 ? fid.toFixed(1) : String(Math.round(fid)));

export type SweepDisplayStatus = 'running' | 'running-elsewhere' | 'completed' | 'stopped' | 'failed' | 'interrupted';

export interface SweepFacts {
  manifest: SweepManifest;
  /** The member runs found in the runs root, by member index. */
  runs: Map<number, RunSummary>;
  /** This window drives the sweep now. */
  active: boolean;
  /** Another live process (gan-studio sweep) drives it. */
  elsewhere: boolean;
}

/** The member runs of each sweep id, from the runs' own run.json `sweep`. */
export function membersBySweep(runs: readonly RunSummary[]): Map<string, Map<number, RunSummary>> {
  const out = new Map<string, Map<number, RunSummary>>();
  for (const r of runs) {
    const s = r.manifest?.sweep;
    // run.json is read from disk: a malformed `sweep` leaves the run at the top level.
    if (!s || typeof s !== 'object' || typeof s.id !== 'string' || !Number.isInteger(s.index)) continue;
    if (!out.has(s.id)) out.set(s.id, new Map());
    out.get(s.id)!.set(s.index, r);
  }
  return out;
}

export function sweepStatus(f: SweepFacts): SweepDisplayStatus {
  if (f.active) return 'running';
  if (f.elsewhere) return 'running-elsewhere';
  if (f.manifest.state === 'running') return 'interrupted';
  return f.manifest.state;
}

/** Members whose run has completed (the run folder says so; sweep.json may lag behind a killed driver). */
export function completedCount(f: SweepFacts): number {
  return f.manifest.members.filter((m) => f.runs.get(m.index)?.manifest?.status === 'completed' || m.status === 'completed').length;
}

export function bestFid(f: SweepFacts): { fid: number; index: number } | undefined {
  let best: { fid: number; index: number } | undefined;
  for (const [index, run] of f.runs) {
    const fid = run.manifest?.quality?.bestFid;
    if (typeof fid === 'number' && Number.isFinite(fid) && (!best || fid < best.fid)) best = { fid, index };
  }
  return best;
}

const ICONS: Record<SweepDisplayStatus, IconSpec> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  'running-elsewhere': { id: 'sync~spin', color: 'charts.blue' },
  completed: { id: 'pass-filled', color: 'testing.iconPassed' },
  stopped: { id: 'stop-circle', color: 'charts.orange' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  interrupted: { id: 'debug-disconnect', color: 'list.warningForeground' },
};

const WORDS: Record<SweepDisplayStatus, string> = {
  running: 'running',
  'running-elsewhere': 'running in another process',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
  interrupted: 'interrupted',
};

/** Context values the sweep node's menu keys on: stop when this window runs it, resume when it can continue. */
export function sweepContextValue(status: SweepDisplayStatus): string {
  if (status === 'running') return 'sweep-running';
  if (status === 'running-elsewhere') return 'sweep-elsewhere';
  if (status === 'completed') return 'sweep-completed';
  return 'sweep-resumable';
}

export function sweepView(f: SweepFacts): NodeView {
  const status = sweepStatus(f);
  const m = f.manifest;
  const done = completedCount(f);
  const best = bestFid(f);
  const description = [`sweep ${done}/${m.members.length}`, WORDS[status], best ? `best FID ${formatFid(best.fid)}` : ''].filter(Boolean).join(' · ');
  const rows = m.members.map((x) => {
    const run = f.runs.get(x.index);
    const fid = run?.manifest?.quality?.bestFid;
    return `| ${x.index + 1} | ${describeValues(x.values)} | ${run?.manifest?.status ?? x.status} | ${typeof fid === 'number' ? formatFid(fid) : ''} |`;
  });
  const tooltip = [
    `**Sweep “${m.name}”** · ${m.members.length} runs over ${m.keys.map((k) => `\`${k}\``).join(' × ')}${m.parallel > 1 ? ` · ${m.parallel} at once` : ''}`,
    '',
    `${done} of ${m.members.length} completed · ${WORDS[status]}${m.source ? ` · from ${m.source}` : ''}`,
    '',
    '| # | values | status | best FID |',
    '|---:|---|---|---:|',
    ...rows,
  ].join('\n');
  return { label: m.name, description, tooltip, icon: ICONS[status], contextValue: sweepContextValue(status), collapsible: true };
}

/** A member that has no run yet (pending, or its start failed). */
export function pendingMemberView(manifest: SweepManifest, index: number): NodeView {
  const member = manifest.members[index];
  return {
    label: `${describeValues(member.values)}`,
    description: member.status === 'failed' ? `failed to start${member.error ? `: ${member.error}` : ''}` : 'pending',
    icon: member.status === 'failed' ? { id: 'error', color: 'testing.iconFailed' } : { id: 'circle-large-outline' },
    contextValue: 'sweepPending',
    collapsible: false,
  };
}
