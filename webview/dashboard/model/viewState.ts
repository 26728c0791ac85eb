/**
 * The dashboard's view settings (smoothing, axis, scale, zoom, the grid cursor, compared runs) and
 * the actions that change them. Saved with the webview's setState, so they survive hide/show and
 * reloads. Pure.
 */
import { assertNever } from '../../../src/protocol/experimentConfig';
import { DashboardViewState, FPS_CHOICES, MAX_SMOOTHING, XAxisMode } from '../../../src/protocol/dashboardProtocol';

export type ViewAction =
  | { type: 'smoothing'; value: number }
  | { type: 'xAxis'; value: XAxisMode }
  | { type: 'logScale'; value: boolean }
  /** Show the grid of this step; null follows the newest grid. */
  | { type: 'gridStep'; value: number | null }
  | { type: 'zoom'; value: { min: number; max: number } | null }
  | { type: 'compare'; value: string[] }
  | { type: 'fps'; value: number };

export function reduceView(state: DashboardViewState, action: ViewAction): DashboardViewState {
  switch (action.type) {
    case 'smoothing':
      return { ...state, smoothing: Number.isFinite(action.value) ? Math.min(MAX_SMOOTHING, Math.max(0, action.value)) : state.smoothing };
    case 'xAxis':
      // A zoom range is in the units of the old axis.
      return action.value === state.xAxis ? state : { ...state, xAxis: action.value, zoom: null };
    case 'logScale':
      return { ...state, logScale: action.value };
    case 'gridStep':
      return { ...state, gridStep: action.value };
    case 'zoom': {
      const z = action.value;
      if (z && !(Number.isFinite(z.min) && Number.isFinite(z.max) && z.max > z.min)) return state;
      return { ...state, zoom: z };
    }
    case 'compare':
      return { ...state, compare: [...new Set(action.value.filter((k) => k !== state.runDir))] };
    case 'fps':
      return (FPS_CHOICES as readonly number[]).includes(action.value) ? { ...state, fps: action.value } : state;
    default:
      return assertNever(action);
  }
}

/** The grid index the timeline shows: the step's grid, or the newest when following. */
export function timelineIndex(sampleSteps: readonly number[], gridStep: number | null): number {
  if (sampleSteps.length === 0) return -1;
  if (gridStep === null) return sampleSteps.length - 1;
  let index = 0;
  for (let i = 0; i < sampleSteps.length; i++) {
    if (sampleSteps[i] <= gridStep) index = i;
    else break;
  }
  return index;
}

/** The step to remember when the slider moves to `index`: null at the newest grid (follow new ones). */
export function stepForIndex(sampleSteps: readonly number[], index: number): number | null {
  if (sampleSteps.length === 0 || index >= sampleSteps.length - 1) return null;
  return sampleSteps[Math.max(0, index)];
}

/** The next frame of the animation; after the last grid it starts again. */
export function nextFrame(index: number, count: number): number {
  return count === 0 ? -1 : (index + 1) % count;
}
