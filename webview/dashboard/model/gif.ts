/// <reference path="../gifenc.d.ts" />
/**
 * The grid timeline as an animated GIF. Sample grids are 8-bit grayscale, so a palette of the 256
 * grays encodes every frame exactly (no dithering, no quantisation); frames with colour fall back
 * to gifenc's quantiser. Pure: frames come in as RGBA pixels (from a canvas in the webview).
 */
import { applyPalette, GIFEncoder, Palette, quantize } from 'gifenc';

export interface RgbaFrame {
  width: number;
  height: number;
  rgba: Uint8Array | Uint8ClampedArray;
  /** Milliseconds this frame shows. */
  delay: number;
}

export const GRAY_PALETTE: Palette = Array.from({ length: 256 }, (_, v) => [v, v, v]);

/** Palette indices of a gray image (index = gray level), or undefined when a pixel has colour. */
export function grayIndices(rgba: Uint8Array | Uint8ClampedArray): Uint8Array | undefined {
  const out = new Uint8Array(rgba.length / 4);
  for (let p = 0, i = 0; i < out.length; i++, p += 4) {
    const r = rgba[p];
    if (rgba[p + 1] !== r || rgba[p + 2] !== r) return undefined;
    out[i] = r;
  }
  return out;
}

/** Encodes the frames as a GIF that loops forever. */
export function encodeGif(frames: readonly RgbaFrame[]): Uint8Array {
  if (frames.length === 0) throw new Error('There are no sample grids to animate yet.');
  const gif = GIFEncoder();
  frames.forEach((frame, i) => {
    if (frame.rgba.length !== frame.width * frame.height * 4) throw new Error(`Frame ${i} has ${frame.rgba.length} bytes for ${frame.width}x${frame.height} pixels.`);
    const gray = grayIndices(frame.rgba);
    const palette = gray ? GRAY_PALETTE : quantize(frame.rgba, 256);
    const index = gray ?? applyPalette(frame.rgba, palette);
    gif.writeFrame(index, frame.width, frame.height, { palette, delay: frame.delay, repeat: 0 });
  });
  gif.finish();
  return gif.bytes();
}

/** At most `max` items, evenly spread, keeping the first and the last (the frames of a long run). */
export function spread<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]);
}
