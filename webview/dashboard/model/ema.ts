/**
 * TensorBoard's smoothing: an exponential moving average with the bias towards the first value
 * removed (debiased), so the smoothed line starts on the data instead of at zero. Incremental: a
 * live run smooths only the records that arrived. Pure.
 */

/** The running average after some values; pass it back to continue. */
export interface EmaState {
  last: number;
  count: number;
  /** weight ** count, kept as a running product (Math.pow per value is several times slower). */
  power: number;
}

export function emaStart(): EmaState {
  return { last: 0, count: 0, power: 1 };
}

/**
 * Smooths `values[from..length)` into `out[from..)` with weight `weight` (0 = raw, 0.999 = very
 * smooth), continuing from `state` (the state after `values[0..from)`). Non-finite values pass
 * through unchanged and do not disturb the average. Returns the state after the last value.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number, out: Float64Array, from = 0, state: EmaState = emaStart()): EmaState {
  let { last, count, power } = state;
  for (let i = from; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    power *= weight;
    const debias = weight === 1 ? 1 : 1 - power;
    out[i] = last / debias;
  }
  return { last, count, power };
}
