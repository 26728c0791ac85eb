/** Latent vector math and text: interpolation, edits, exact float32 formatting, base64 transport. */
import * as assert from 'node:assert/strict';
import { decodeBase64, decodeFloat32, encodeBase64, encodeFloat32 } from '../../../src/protocol/binary';
import { formatFloat32, formatLatent, interpolate, latentAt, lerp, norm, parseLatent, slerp, withDimensions } from '../../../src/protocol/latent';
import { closeTo } from '../helpers';

/** A deterministic standard-normal-like vector (a small LCG and Box-Muller; protocol tests stay pure). */
function gaussianish(n: number, seed: number): Float32Array {
  let state = seed * 2654435761 >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
}

describe('latent vectors (interpolation)', () => {
  const a = gaussianish(100, 1);
  const b = gaussianish(100, 2);

  it('lerp and slerp start at a and end at b', () => {
    for (const f of [lerp, slerp]) {
      f(a, b, 0).forEach((v, i) => closeTo(v, a[i], 1e-5));
      Array.from(f(a, b, 1)).forEach((v, i) => closeTo(v, b[i], 1e-5));
    }
  });

  it('lerp halfway is the mean; slerp keeps the norm between equal-norm endpoints', () => {
    const mid = lerp(a, b, 0.5);
    mid.forEach((v, i) => closeTo(v, (a[i] + b[i]) / 2, 1e-6));
    const c = Float32Array.from(b, (v) => (v * norm(a)) / norm(b)); // same norm as a
    for (const t of [0.1, 0.25, 0.5, 0.9]) closeTo(norm(slerp(a, c, t)), norm(a), 1e-3, `|slerp(t=${t})|`);
    assert.ok(norm(lerp(a, c, 0.5)) < norm(a) * 0.95, 'linear interpolation cuts through the low-norm middle');
  });

  it('slerp of parallel or zero vectors falls back to lerp instead of dividing by zero', () => {
    const twice = Float32Array.from(a, (v) => 2 * v);
    assert.deepEqual(slerp(a, twice, 0.5), lerp(a, twice, 0.5));
    const zero = new Float32Array(100);
    assert.deepEqual(slerp(zero, a, 0.3), lerp(zero, a, 0.3));
    assert.ok(slerp(a, twice, 0.5).every(Number.isFinite));
  });

  it('interpolate gives `steps` rows with the exact endpoints', () => {
    const strip = interpolate(a, b, 5, 'spherical');
    assert.equal(strip.length, 500);
    assert.deepEqual(strip.subarray(0, 100), a);
    assert.deepEqual(strip.subarray(400, 500), b);
    assert.deepEqual(interpolate(a, b, 3, 'linear').subarray(100, 200), lerp(a, b, 0.5));
    assert.throws(() => interpolate(a, b, 1, 'linear'), /at least 2 steps/);
    assert.throws(() => lerp(a, b.subarray(0, 50), 0.5), /different sizes/);
  });

  it('picks and edits vectors of a batch', () => {
    const batch = new Float32Array([...a, ...b]);
    assert.deepEqual(latentAt(batch, 100, 1), b);
    assert.throws(() => latentAt(batch, 100, 2), /no latent vector 2/);
    const edited = withDimensions(a, new Map([[3, 2.5], [99, -1]]));
    assert.equal(edited[3], 2.5);
    assert.equal(edited[99], -1);
    assert.equal(edited[4], a[4]);
    assert.equal(a[3] === 2.5, false, 'the original is untouched');
    assert.throws(() => withDimensions(a, new Map([[100, 1]])), /dimension 100 is outside 0\.\.99/);
  });
});

describe('latent vectors (text)', () => {
  it('formats float32 values with the fewest digits that read back exactly', () => {
    assert.equal(formatFloat32(0.5), '0.5');
    assert.equal(formatFloat32(-1), '-1');
    const tricky = Math.fround(0.1 + 0.2);
    assert.equal(Math.fround(Number(formatFloat32(tricky))), tricky);
    for (let i = 0; i < 1000; i++) {
      const v = Math.fround(Math.sin(i) * 3.3);
      const text = formatFloat32(v);
      assert.equal(Math.fround(Number(text)), v, text);
      assert.ok(text.replace(/^-|\.|e.*$/g, '').replace(/^0+/, '').length <= 9, text);
    }
  });

  it('formatLatent writes a JSON array that parseLatent reads back bit for bit', () => {
    const v = gaussianish(100, 3);
    const text = formatLatent(v);
    assert.match(text, /^\[\n {2}-?\d/);
    assert.equal(text.split('\n').length, 12, '10 numbers a line');
    assert.deepEqual(parseLatent(text, 100), v);
    assert.deepEqual(JSON.parse(text).length, 100);
  });

  it('parseLatent names the problem', () => {
    assert.throws(() => parseLatent('[1, 2', 2), /not a JSON array/);
    assert.throws(() => parseLatent('{"a": 1}', 2), /JSON array of finite numbers/);
    assert.throws(() => parseLatent('[1, 2, 3]', 2), /has 3 numbers; this generator takes 2/);
  });
});

describe('base64 transport of tensors', () => {
  it('round-trips bytes of every length against Node’s encoder', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const text = encodeBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeBase64(text), bytes);
    }
    const big = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 255);
    assert.equal(encodeBase64(big), Buffer.from(big).toString('base64'));
  });

  it('round-trips float32 arrays, including views into larger buffers', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3);
    assert.deepEqual(decodeFloat32(encodeFloat32(values)), values);
    const view = values.subarray(10, 20);
    assert.deepEqual(decodeFloat32(encodeFloat32(view)), view);
    assert.throws(() => decodeBase64('abc'), /multiple of 4/);
    assert.throws(() => decodeBase64('ab!='), /invalid base64 character/);
    assert.throws(() => decodeFloat32(encodeBase64(new Uint8Array(6))), /not whole float32/);
  });
});
