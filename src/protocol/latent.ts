/**
 * Latent vectors: interpolation (linear and spherical), edits of single dimensions, and text that
 * can be pasted into code. Pure; used by the playground (host and webview) and its tests.
 */

export type Interpolation = 'linear' | 'spherical';

export function lerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  checkSameLength(a, b);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + (b[i] - a[i]) * t;
  return out;
}

/**
 * Spherical interpolation (White, "Sampling Generative Networks", 2016): follows the great circle
 * between the directions of a and b, which keeps intermediate vectors at the typical norm of
 * Gaussian latents instead of cutting through the low-norm middle. Falls back to linear when a and
 * b are (anti)parallel or one of them is zero, where the great circle is not defined.
 */
export function slerp(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  checkSameLength(a, b);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const norms = Math.sqrt(na) * Math.sqrt(nb);
  if (norms === 0) return lerp(a, b, t);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / norms)));
  const sinOmega = Math.sin(omega);
  if (sinOmega < 1e-6) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / sinOmega;
  const wb = Math.sin(t * omega) / sinOmega;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i] + wb * b[i];
  return out;
}

/** `steps` vectors from a to b (both included), concatenated: the rows of an interpolation strip. */
export function interpolate(a: ArrayLike<number>, b: ArrayLike<number>, steps: number, method: Interpolation): Float32Array {
  if (!Number.isInteger(steps) || steps < 2) throw new RangeError(`an interpolation needs at least 2 steps, not ${steps}`);
  const out = new Float32Array(steps * a.length);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    const v = s === 0 ? Float32Array.from(a) : s === steps - 1 ? Float32Array.from(b) : method === 'spherical' ? slerp(a, b, t) : lerp(a, b, t);
    out.set(v, s * a.length);
  }
  return out;
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`latent vectors of different sizes (${a.length} and ${b.length})`);
}

/** Vector `index` of a batch of latents of size `size`. */
export function latentAt(batch: Float32Array, size: number, index: number): Float32Array {
  if (index < 0 || (index + 1) * size > batch.length) throw new RangeError(`no latent vector ${index} in a batch of ${batch.length / size}`);
  return batch.slice(index * size, (index + 1) * size);
}

/** A copy of `latent` with some dimensions set to new values. */
export function withDimensions(latent: Float32Array, values: ReadonlyMap<number, number>): Float32Array {
  const out = Float32Array.from(latent);
  for (const [dim, value] of values) {
    if (!Number.isInteger(dim) || dim < 0 || dim >= out.length) throw new RangeError(`latent dimension ${dim} is outside 0..${out.length - 1}`);
    out[dim] = value;
  }
  return out;
}

export function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits). */
export function formatFloat32(value: number): string {
  const target = Math.fround(value);
  if (!Number.isFinite(target)) return String(target);
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(target.toPrecision(digits)));
    if (Math.fround(Number(text)) === target) return text;
  }
  return String(target);
}

/**
 * A latent vector as a JSON array (also a Python list) that reproduces it exactly as float32:
 * paste it into `tf.tensor([...], [1, n])` or `torch.tensor([...])`.
 */
export function formatLatent(latent: ArrayLike<number>, perLine = 10): string {
  const items = Array.from(latent, formatFloat32);
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(`  ${items.slice(i, i + perLine).join(', ')}`);
  return `[\n${lines.join(',\n')}\n]`;
}

/** Parses what formatLatent writes (any JSON array of numbers); throws a message naming the problem. */
export function parseLatent(text: string, size: number): Float32Array {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('The text is not a JSON array of numbers, like [0.1, -1.2, ...].');
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new Error('The text is not a JSON array of finite numbers, like [0.1, -1.2, ...].');
  }
  if (value.length !== size) throw new Error(`The vector has ${value.length} numbers; this generator takes ${size}.`);
  return Float32Array.from(value as number[]);
}

/** Seeds are unsigned 32-bit integers (GAN Studio's random generator). */
export const MAX_SEED = 2 ** 32 - 1;

export function isValidSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SEED;
}
