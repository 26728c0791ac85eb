/**
 * The charts' x axis: step, epoch (fractional: step / steps per epoch), training time (seconds of
 * training, summed over resumed sessions) or wall time (Unix seconds). And the mapping between a
 * step and a position on that axis, for the grid marker and for clicks on the chart. Pure.
 */
import type { XAxisMode } from '../../../src/protocol/dashboardProtocol';
import { assertNever } from '../../../src/protocol/experimentConfig';
import { formatDuration } from '../../../src/protocol/format';
import { lowerBound, nearestIndex } from './search';

export interface XSource {
  step: ArrayLike<number>;
  time: ArrayLike<number>;
  elapsedSec: ArrayLike<number>;
}

/**
 * Writes the x value of rows [from, length) into `out`. Missing times (NaN) repeat the previous
 * row's value, so the axis stays sorted.
 */
export function fillX(mode: XAxisMode, source: XSource, stepsPerEpoch: number, out: Float64Array, from: number, length: number): void {
  for (let i = from; i < length; i++) {
    let v: number;
    switch (mode) {
      case 'step':
        v = source.step[i];
        break;
      case 'epoch':
        v = source.step[i] / Math.max(1, stepsPerEpoch);
        break;
      case 'relative':
        v = source.elapsedSec[i];
        break;
      case 'wall':
        v = source.time[i] / 1000;
        break;
      default:
        return assertNever(mode);
    }
    if (!Number.isFinite(v)) v = i > 0 ? out[i - 1] : 0;
    else if (i > 0 && v < out[i - 1]) v = out[i - 1];
    out[i] = v;
  }
}

/** Position on the x axis of `step`, interpolated between the records around it. */
export function stepToX(steps: ArrayLike<number>, xs: ArrayLike<number>, length: number, step: number): number | undefined {
  if (length === 0) return undefined;
  const i = lowerBound(steps, step, length);
  if (i >= length) return xs[length - 1]; // after the last record: the last position
  if (steps[i] === step || i === 0) return xs[i];
  const s0 = steps[i - 1];
  const s1 = steps[i];
  const t = s1 === s0 ? 0 : (step - s0) / (s1 - s0);
  return xs[i - 1] + t * (xs[i] - xs[i - 1]);
}

/** The step of the record nearest to position x. */
export function xToStep(steps: ArrayLike<number>, xs: ArrayLike<number>, length: number, x: number): number | undefined {
  const i = nearestIndex(xs, x, length);
  return i < 0 ? undefined : steps[i];
}

/** Tick label for a value of the x axis. */
export function formatX(mode: XAxisMode, value: number): string {
  switch (mode) {
    case 'step':
      return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
    case 'epoch':
      return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0+$/, '');
    case 'relative':
      return formatDuration(value);
    case 'wall':
      return new Date(value * 1000).toLocaleTimeString();
    default:
      return assertNever(mode);
  }
}
