/**
 * A small seeded random generator with a state that fits in a checkpoint (xoshiro128**, with
 * SplitMix32 seeding), plus the draws the trainer needs: uniform, normal (Box-Muller) and shuffles.
 */
export class Rng {
  private s: Uint32Array;
  /** The second value of the last Box-Muller pair, or NaN. */
  private spare = Number.NaN;

  constructor(seed: number, stream = 0) {
    this.s = new Uint32Array(4);
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    for (let i = 0; i < 4; i++) {
      // SplitMix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = Number.NaN;
      return v;
    }
    let u1 = this.uniform();
    while (u1 <= 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  fillNormal(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  fillUniform(out: Float32Array, low: number, high: number): Float32Array {
    const span = high - low;
    for (let i = 0; i < out.length; i++) out[i] = low + span * this.uniform();
    return out;
  }

  /** Integer in [0, n) without modulo bias. */
  below(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** The permutation 0..n-1 shuffled with Fisher-Yates. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** The full state, as plain numbers (for a checkpoint). */
  getState(): number[] {
    return [...this.s, this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5 || state.slice(0, 4).some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error('Invalid random generator state in checkpoint');
    }
    this.s = Uint32Array.from(state.slice(0, 4));
    this.spare = state[4] === null ? Number.NaN : Number(state[4]);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Streams derived from the run's seed, so that each use of randomness is independent. */
export const RNG_STREAMS = { weights: 1, fixedNoise: 2, noise: 3, shuffle: 4, spectralNorm: 5 } as const;

/** The order of the training set in an epoch: a function of seed and epoch only, so resuming needs no state. */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  return new Rng(seed, RNG_STREAMS.shuffle * 100003 + epoch).permutation(n);
}
