/**
 * What the dashboard's header says about a run: the manifest from the run store, refined by the
 * live trainer when this window trains it (paused, starting, stopping). Pure.
 */
import { datasetSummary, trainingOptionsSummary } from '../../protocol/experimentConfig';
import type { DashboardStatus, RunChoice, RunInfo } from '../../protocol/dashboardProtocol';
import type { Progress } from '../../protocol/runFormat';
import type { TrainerPhase } from '../../protocol/trainerProtocol';
import type { RunSummary } from '../runs/runStore';

/** The part of an ActiveRun's state the header needs. */
export interface LiveState {
  phase: TrainerPhase | 'ended';
  message: string;
  progress?: Progress;
}

const LIVE_STATUSES: readonly DashboardStatus[] = ['starting', 'running', 'paused', 'stopping'];

export function isLiveStatus(status: DashboardStatus): boolean {
  return LIVE_STATUSES.includes(status);
}

export function dashboardStatus(summary: RunSummary, live: LiveState | undefined): DashboardStatus {
  if (live && live.phase !== 'ended') {
    switch (live.phase) {
      case 'paused':
        return 'paused';
      case 'stopping':
        return 'stopping';
      case 'starting':
      case 'downloading':
      case 'loading-data':
        return 'starting';
      case 'training':
      case 'checkpointing':
      case 'evaluating':
        return 'running';
    }
  }
  const status = summary.manifest?.status ?? 'failed';
  if (status === 'running') return summary.interrupted ? 'interrupted' : 'running';
  return status;
}

export function buildRunInfo(summary: RunSummary, live: LiveState | undefined, metricsWarning: string | null = null): RunInfo | undefined {
  const m = summary.manifest;
  if (!m) return undefined;
  const status = dashboardStatus(summary, live);
  const controllable = !!live && live.phase !== 'ended';
  const progress = (controllable && live?.progress) || m.progress;
  const c = m.config;
  return {
    key: summary.dir,
    id: m.id,
    name: m.name,
    status,
    message: controllable && live ? live.message : null,
    controllable,
    live: isLiveStatus(status),
    progress,
    totalEpochs: Math.max(1, Math.ceil(progress.totalSteps / Math.max(1, progress.stepsPerEpoch))),
    backend: m.backend?.name ?? m.external?.framework ?? null,
    backendDetail: m.backend?.detail ?? (m.external ? `logged by ${m.external.logger} ${m.external.loggerVersion}` : null),
    configSummary: [
      `${m.external ? 'external' : c.preset} · batch ${c.batchSize} · lr ${c.learningRate} · latent ${c.latentSize} · width ${c.featureSize} · seed ${c.seed}`,
      ...trainingOptionsSummary(c),
      ...(datasetSummary(c) ? [datasetSummary(c)] : []),
      ...(!m.external && c.dataset && c.dataset !== 'fashion-mnist' ? ['sample quality not measured (its evaluator knows FashionMNIST only)'] : []),
    ].join(' · '),
    error: status === 'failed' ? (m.error ?? { message: 'The run failed; its log has the details.' }) : null,
    canResume: !m.external && m.checkpoints.length > 0 && !isLiveStatus(status),
    createdAt: m.createdAt,
    metricsWarning,
    external: m.external ? `${m.external.framework ? `${m.external.framework} via ` : ''}${m.external.logger}` : null,
    ...(m.gridRows ? { gridRows: [...m.gridRows] } : {}),
    ...((m.external?.imageSize ?? c.imageSize ?? 32) !== 32 ? { imageSize: m.external?.imageSize ?? c.imageSize } : {}),
  };
}

export function runChoice(summary: RunSummary, live: LiveState | undefined): RunChoice | undefined {
  const m = summary.manifest;
  if (!m) return undefined;
  return { key: summary.dir, id: m.id, name: m.name, status: dashboardStatus(summary, live), steps: m.progress.step };
}
