/**
 * Renders the exports that only the page can draw: a chart as PNG (its title, legend and curves on
 * the theme's background) and the grid timeline as an animated GIF (every grid at 2x, pixel-exact,
 * with its step written under it). The host saves the bytes.
 */
import type { GanChart } from '../chart/ganChart';
import { encodeGif, RgbaFrame, spread } from '../model/gif';
import type { RunData } from '../model/runData';
import type { ImageCache } from './timeline';
import type { ThemeColors } from './theme';
import { epochsAt, formatEpochs } from '../../../src/protocol/steps';

async function canvasBytes(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}

export async function chartPng(chart: GanChart, theme: ThemeColors, subtitle: string): Promise<Uint8Array> {
  const source = chart.canvas;
  if (!source) throw new Error('The chart has not been drawn yet.');
  const dpr = devicePixelRatio || 1;
  const pad = Math.round(12 * dpr);
  const line = Math.round(theme.fontSize * 1.6 * dpr);
  const entries = chart.legendEntries();
  const out = document.createElement('canvas');
  out.width = source.width + 2 * pad;
  out.height = source.height + 2 * pad + 2 * line;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas is available.');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = theme.foreground;
  ctx.font = `600 ${Math.round(theme.fontSize * 1.1 * dpr)}px ${theme.fontFamily}`;
  ctx.fillText(chart.title, pad, pad + line / 2);
  const titleWidth = ctx.measureText(chart.title).width;
  ctx.font = `${Math.round(theme.fontSize * 0.9 * dpr)}px ${theme.fontFamily}`;
  ctx.fillStyle = theme.muted;
  ctx.fillText(subtitle, pad + titleWidth + 12 * dpr, pad + line / 2);
  let x = pad;
  const y = pad + line * 1.5;
  for (const e of entries) {
    ctx.strokeStyle = e.color;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash(e.dashed ? [5 * dpr, 3 * dpr] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 18 * dpr, y);
    ctx.stroke();
    ctx.fillStyle = theme.foreground;
    ctx.fillText(e.label, x + 24 * dpr, y);
    x += 24 * dpr + ctx.measureText(e.label).width + 16 * dpr;
  }
  ctx.setLineDash([]);
  ctx.drawImage(source, pad, pad + 2 * line);
  return canvasBytes(out);
}

const GIF_SCALE = 2;
const CAPTION = 22;
/** At most this many frames (evenly spread over the grids, first and last included). */
export const MAX_GIF_FRAMES = 240;

/** Every grid of the run as frames of a GIF (`fps` frames a second, the last held a second longer). */
export async function timelineGif(run: RunData, images: ImageCache, fps: number): Promise<Uint8Array> {
  if (run.samples.length === 0) throw new Error('There are no sample grids to animate yet.');
  const samples = spread(run.samples, MAX_GIF_FRAMES);
  const loaded: HTMLImageElement[] = [];
  for (const s of samples) loaded.push(await images.loaded(s.uri));
  const width = Math.max(...loaded.map((i) => i.naturalWidth)) * GIF_SCALE;
  const height = Math.max(...loaded.map((i) => i.naturalHeight)) * GIF_SCALE + CAPTION;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('No 2D canvas is available.');
  const frames: RgbaFrame[] = [];
  loaded.forEach((img, i) => {
    const sample = samples[i];
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(img, 0, 0, img.naturalWidth * GIF_SCALE, img.naturalHeight * GIF_SCALE);
    ctx.fillStyle = '#fff';
    ctx.font = '13px sans-serif';
    ctx.textBaseline = 'middle';
    const text = `${run.info.name} · step ${sample.step.toLocaleString('en-US')} · epoch ${formatEpochs(epochsAt(sample.step, run.stepsPerEpoch))}`;
    ctx.fillText(text, 6, height - CAPTION / 2);
    let pixels: ImageData;
    try {
      pixels = ctx.getImageData(0, 0, width, height);
    } catch (error) {
      throw new Error(`The grid images cannot be read back for the GIF (${(error as Error).message}).`);
    }
    // Text is antialiased in gray on black, so the frame stays in the 256-gray palette.
    const delay = 1000 / fps + (i === loaded.length - 1 ? 1000 : 0);
    frames.push({ width, height, rgba: pixels.data, delay });
  });
  return encodeGif(frames);
}
