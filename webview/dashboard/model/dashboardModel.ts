/**
 * The webview's data: the main run, the compared runs and the runs offered for comparison, as the
 * host's messages build them. `applyHostMessage` says which parts of the page need drawing again.
 * Pure (no DOM), so the reducer is tested in plain Node.
 */
import { assertNever } from '../../../src/protocol/experimentConfig';
import type { HostMessage, RunChoice } from '../../../src/protocol/dashboardProtocol';
import { RunData } from './runData';

export interface DashboardModel {
  main: RunData | undefined;
  /** Compared runs in the order they were picked. */
  compare: RunData[];
  runs: RunChoice[];
  /** Why the main run cannot be shown, when it cannot. */
  unavailable: string | undefined;
}

/** What a message changed. */
export interface Changes {
  header: boolean;
  metrics: boolean;
  samples: boolean;
  runList: boolean;
  compare: boolean;
  /** Sample-quality evaluations of a drawn run changed. */
  quality?: boolean;
  /** The whole page was replaced (a snapshot). */
  reset: boolean;
  exported?: { kind: string; file: string | null };
}

export function emptyModel(): DashboardModel {
  return { main: undefined, compare: [], runs: [], unavailable: undefined };
}

export function noChanges(): Changes {
  return { header: false, metrics: false, samples: false, runList: false, compare: false, reset: false };
}

export function applyHostMessage(model: DashboardModel, message: HostMessage): Changes {
  const changes = noChanges();
  switch (message.type) {
    case 'snapshot':
      model.main = new RunData(message.main);
      model.compare = message.compare.map((s) => new RunData(s));
      model.runs = message.runs;
      model.unavailable = undefined;
      return { header: true, metrics: true, samples: true, runList: true, compare: true, reset: true };
    case 'update':
      for (const delta of message.runs) {
        const run = model.main?.key === delta.key ? model.main : model.compare.find((r) => r.key === delta.key);
        if (!run) continue; // an update that raced a snapshot or a compare change; the next snapshot has it
        const isMain = run === model.main;
        if (run.apply(delta)) changes.metrics = true;
        if (delta.info && isMain) changes.header = true;
        if (delta.info && !isMain) changes.compare = true;
        if (delta.quality !== undefined) changes.quality = true;
        if (delta.samples !== undefined || delta.realGrid !== undefined) {
          changes.samples = true;
          if (!isMain) changes.compare = true;
        }
      }
      return changes;
    case 'runList':
      model.runs = message.runs;
      changes.runList = true;
      return changes;
    case 'compare': {
      model.compare = message.runs.map((s) => new RunData(s));
      return { ...changes, metrics: true, samples: true, compare: true };
    }
    case 'unavailable':
      if (model.main && model.main.key !== message.key) return changes;
      model.unavailable = message.message;
      changes.header = true;
      return changes;
    case 'exported':
      changes.exported = { kind: message.kind, file: message.file };
      return changes;
    case 'setCompare':
      // The view state changes (App); the runs themselves arrive in a 'compare' message.
      return changes;
    default:
      return assertNever(message);
  }
}
