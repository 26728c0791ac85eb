/** Binary searches over sorted (non-decreasing) numeric arrays. Pure. */

/** First index whose value is >= x (length when none is). */
export function lowerBound(values: ArrayLike<number>, x: number, length = values.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > x (length when none is). */
export function upperBound(values: ArrayLike<number>, x: number, length = values.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the value closest to x (-1 for an empty array). */
export function nearestIndex(values: ArrayLike<number>, x: number, length = values.length): number {
  if (length === 0) return -1;
  const i = lowerBound(values, x, length);
  if (i === 0) return 0;
  if (i >= length) return length - 1;
  return x - values[i - 1] <= values[i] - x ? i - 1 : i;
}
