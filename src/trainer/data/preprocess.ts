/**
 * The seed's transform, exactly: torchvision's Resize(32) on a PIL "L" image (PIL's bilinear
 * resampling in 8-bit fixed point, horizontal pass then vertical, each rounded to uint8),
 * CenterCrop(32) (a no-op for square images), ToTensor ([0, 1]) and Normalize(0.5, 0.5) ([-1, 1]).
 */

const PRECISION_BITS = 32 - 8 - 2;

interface ResampleCoefficients {
  /** First source index of each output pixel. */
  start: Int32Array;
  /** Number of taps of each output pixel. */
  count: Int32Array;
  /** Fixed-point weights, `maxTaps` per output pixel. */
  weights: Int32Array;
  maxTaps: number;
}

/** PIL's precompute_coeffs for the bilinear (triangle) filter, converted to fixed point as PIL does. */
export function bilinearCoefficients(inSize: number, outSize: number): ResampleCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * maxTaps);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const k = new Float64Array(xmax);
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww === 0 ? 0 : k[x] / ww;
      // PIL: (int)(0.5 + k * (1 << PRECISION_BITS)) for positive weights, (int)(-0.5 + ...) for negative.
      weights[xx * maxTaps + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, maxTaps };
}

function clip8(acc: number): number {
  // acc is below 2^31 here: 255 * 2^22 * (sum of weights ~ 1) plus rounding.
  const v = Math.floor(acc / (1 << PRECISION_BITS));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes one 8-bit grayscale image with PIL's bilinear filter; returns uint8 pixels. */
export function resizeBilinearU8(
  src: Uint8Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  h: ResampleCoefficients = bilinearCoefficients(inW, outW),
  v: ResampleCoefficients = bilinearCoefficients(inH, outH),
): Uint8Array {
  const half = 1 << (PRECISION_BITS - 1);
  const tmp = new Uint8Array(outW * inH);
  for (let y = 0; y < inH; y++) {
    for (let x = 0; x < outW; x++) {
      let acc = half;
      const s = h.start[x];
      for (let t = 0; t < h.count[x]; t++) acc += src[y * inW + s + t] * h.weights[x * h.maxTaps + t];
      tmp[y * outW + x] = clip8(acc);
    }
  }
  const out = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const s = v.start[y];
    for (let x = 0; x < outW; x++) {
      let acc = half;
      for (let t = 0; t < v.count[y]; t++) acc += tmp[(s + t) * outW + x] * v.weights[y * v.maxTaps + t];
      out[y * outW + x] = clip8(acc);
    }
  }
  return out;
}

/** uint8 -> [-1, 1], as ToTensor then Normalize((0.5), (0.5)). */
export function normalizePixel(value: number): number {
  return (value / 255 - 0.5) / 0.5;
}

/**
 * Applies the seed's transform to `count` images of `inSize`x`inSize` starting at image `first`;
 * returns `count * outSize * outSize` floats in [-1, 1] (one channel, row-major: NHWC with C=1).
 */
export function preprocessImages(
  pixels: Uint8Array,
  inSize: number,
  outSize: number,
  first = 0,
  count = pixels.length / (inSize * inSize) - first,
): Float32Array {
  const coeffs = bilinearCoefficients(inSize, outSize);
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = normalizePixel(i);
  const out = new Float32Array(count * outSize * outSize);
  const inArea = inSize * inSize;
  const outArea = outSize * outSize;
  for (let n = 0; n < count; n++) {
    const src = pixels.subarray((first + n) * inArea, (first + n + 1) * inArea);
    const resized = inSize === outSize ? src : resizeBilinearU8(src, inSize, inSize, outSize, outSize, coeffs, coeffs);
    const base = n * outArea;
    for (let i = 0; i < outArea; i++) out[base + i] = lut[resized[i]];
  }
  return out;
}

/**
 * 8-bit images of `inChannels` (1 or 3, NHWC) to floats in [-1, 1] with `outChannels`: resized like
 * PIL (each channel on its own) when the sizes differ, grey repeated into RGB, RGB to grey as PIL's
 * convert("L") (ITU-R 601-2 luma: L = (R * 299 + G * 587 + B * 114) / 1000, rounded down).
 */
export function preprocessChannels(pixels: Uint8Array, inSize: number, inChannels: number, outSize: number, outChannels: number, count = pixels.length / (inSize * inSize * inChannels)): Float32Array {
  if (inChannels === 1 && outChannels === 1) return preprocessImages(pixels, inSize, outSize, 0, count);
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = normalizePixel(i);
  const inArea = inSize * inSize;
  const outArea = outSize * outSize;
  const coeffs = inSize === outSize ? undefined : bilinearCoefficients(inSize, outSize);
  const out = new Float32Array(count * outArea * outChannels);
  const plane = new Uint8Array(inArea);
  const planes: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const src = pixels.subarray(n * inArea * inChannels, (n + 1) * inArea * inChannels);
    planes.length = 0;
    if (inChannels === 3 && outChannels === 1) {
      for (let i = 0; i < inArea; i++) plane[i] = Math.floor((src[3 * i] * 299 + src[3 * i + 1] * 587 + src[3 * i + 2] * 114) / 1000);
      planes.push(plane.slice());
    } else {
      for (let c = 0; c < inChannels; c++) {
        const p = new Uint8Array(inArea);
        for (let i = 0; i < inArea; i++) p[i] = src[i * inChannels + c];
        planes.push(p);
      }
    }
    const resized = planes.map((p) => (coeffs ? resizeBilinearU8(p, inSize, inSize, outSize, outSize, coeffs, coeffs) : p));
    const base = n * outArea * outChannels;
    for (let c = 0; c < outChannels; c++) {
      const p = resized[resized.length === 1 ? 0 : c];
      for (let i = 0; i < outArea; i++) out[base + i * outChannels + c] = lut[p[i]];
    }
  }
  return out;
}
