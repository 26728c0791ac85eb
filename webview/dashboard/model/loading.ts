/**
 * What the dashboard says while it has nothing to draw yet: which of backend start, data, the
 * first step (or the run folder itself) it waits for, from the trainer's status messages. Pure.
 */
import type { RunInfo } from '../../../src/protocol/dashboardProtocol';

export function waitingText(info: RunInfo | undefined, rows: number, unavailable?: string): string {
  if (!info) return unavailable ?? 'Loading the run: reading run.json and metrics.jsonl…';
  if (rows > 0) return '';
  switch (info.status) {
    case 'starting':
      // The trainer says which: "Initialising the wasm backend", "Loading FashionMNIST", "Downloading …".
      return `Waiting for the trainer: ${info.message ?? 'starting the backend'}…`;
    case 'running':
    case 'stopping':
      return `Waiting for the first step${info.backend ? ` (${info.backend})` : ''}: it compiles the kernels, so it takes longest.`;
    case 'paused':
      return 'Paused before the first step.';
    default:
      return 'This run has no metrics: it ended before its first step.';
  }
}
