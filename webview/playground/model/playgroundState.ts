/**
 * What the generator playground keeps without the DOM: the images as they arrive in chunks, the
 * request numbers and frame times of slider moves (one frame in flight), what a new settings
 * message changes on the page, the slider rows, and the texts of headings. Pure and unit-tested
 * (test/unit/playground/playgroundState.test.ts); ui/playgroundView.ts draws, main.ts wires.
 */
import { decodeFloat32 } from '../../../src/protocol/binary';
import type { HostToPlayground, PlaygroundInfo, PlaygroundSettings, RenderKind } from '../../../src/protocol/playgroundProtocol';
import { formatEpochs } from '../../../src/protocol/steps';

export type ImagesMessage = Extract<HostToPlayground, { type: 'images' }>;

/** The images of one kind as the host sends them (float32 NHWC), and the request that made them. */
export interface Images {
  seq: number;
  values: Float32Array;
  total: number;
  columns: number;
  computeMs: number;
  /** Images received so far (a grid arrives in chunks). */
  received: number;
}

/**
 * Puts a chunk of images into place. Returns the entry to draw, or undefined when the chunk belongs
 * to an older request than the one shown (it is out of date).
 */
export function receiveImages(images: Partial<Record<RenderKind, Images>>, message: ImagesMessage, imageSize: number, channels = 1): Images | undefined {
  const perImage = imageSize * imageSize * channels;
  const values = decodeFloat32(message.images);
  let entry = images[message.kind];
  if (entry && message.seq < entry.seq) return undefined;
  if (!entry || entry.seq !== message.seq || entry.total !== message.total || entry.columns !== message.columns) {
    const previous = entry;
    entry = { seq: message.seq, values: new Float32Array(message.total * perImage), total: message.total, columns: message.columns, computeMs: 0, received: 0 };
    // Keep the previous images visible until the new chunks replace them.
    if (previous && previous.total === message.total) entry.values.set(previous.values);
    images[message.kind] = entry;
  }
  entry.values.set(values, message.offset * perImage);
  entry.computeMs += message.computeMs;
  entry.received += values.length / perImage;
  return entry;
}

/** How long a slider frame may stay unanswered before the next position is sent anyway (an error must not block the slider). */
export const LOST_FRAME_MS = 2000;

/**
 * Request numbers, and the times of slider frames. Slider moves keep one frame in flight: while
 * the image of one position is on its way, only the newest position waits (sent when that image
 * arrives). Nothing queues up behind a slow frame, and each frame's time counts from the input
 * event of the position it shows.
 */
export class RequestClock {
  seq = 0;
  /** When each change was made (by sequence number), to measure input-to-drawn times. */
  private readonly sentAt = new Map<number, number>();
  /** When each change actually left the webview (a slider position may wait for the previous frame). */
  private readonly postedAt = new Map<number, number>();
  private inFlight: number | undefined;
  private inFlightSince = 0;
  private pending: { edits: [number, number][]; at: number } | undefined;
  /** Per slider frame: sent to drawn, input to drawn, the generator's time and the host's. */
  readonly roundTrips: number[] = [];
  readonly frameTimes: number[] = [];
  readonly computeTimes: number[] = [];
  readonly hostTimes: number[] = [];
  private lastReported = 0;

  constructor(private readonly now: () => number) {}

  /** Numbers a change made at `inputAt` and sent now. */
  next(inputAt = this.now()): number {
    this.seq += 1;
    this.sentAt.set(this.seq, inputAt);
    this.postedAt.set(this.seq, this.now());
    return this.seq;
  }

  /** Numbers a change that is not measured once drawn (a new random seed). */
  nextUnposted(inputAt = this.now()): number {
    this.seq += 1;
    this.sentAt.set(this.seq, inputAt);
    return this.seq;
  }

  /** A slider position made at `at`: its request number to send now, or undefined when it waits for the frame in flight. */
  slide(edits: [number, number][], at: number): { edits: [number, number][]; seq: number } | undefined {
    if (this.inFlight !== undefined && this.now() - this.inFlightSince < LOST_FRAME_MS) {
      this.pending = { edits, at };
      return undefined;
    }
    this.pending = undefined;
    const seq = this.next(at);
    this.inFlight = seq;
    this.inFlightSince = this.now();
    return { edits, seq };
  }

  /** A slider frame arrived: the waiting position to send now, if any. */
  frameArrived(frameSeq: number): { edits: [number, number][]; seq: number } | undefined {
    if (this.inFlight === undefined || frameSeq < this.inFlight) return undefined;
    this.inFlight = undefined;
    return this.pending ? this.slide(this.pending.edits, this.pending.at) : undefined;
  }

  /** The single image of request `seq` arrived: when it was made and sent (undefined when not measured); forgets older requests. */
  takeTimes(seq: number): { started: number; posted: number } | undefined {
    const started = this.sentAt.get(seq);
    const posted = this.postedAt.get(seq);
    if (started === undefined || posted === undefined) return undefined;
    for (const key of [...this.sentAt.keys()]) if (key <= seq) this.sentAt.delete(key);
    for (const key of [...this.postedAt.keys()]) if (key <= seq) this.postedAt.delete(key);
    return { started, posted };
  }

  /** Records a frame shown at `shownAt`. */
  record(times: { started: number; posted: number }, shownAt: number, computeMs: number, hostMs: number): void {
    this.frameTimes.push(shownAt - times.started);
    this.roundTrips.push(shownAt - times.posted);
    this.computeTimes.push(computeMs);
    this.hostTimes.push(hostMs);
  }

  /** Frame times not reported yet (for the host's output channel), or undefined when there are none. */
  report(): { ms: number[]; renderMs: number[] } | undefined {
    const fresh = this.frameTimes.slice(this.lastReported);
    this.lastReported = this.frameTimes.length;
    return fresh.length > 0 ? { ms: fresh, renderMs: this.roundTrips.slice(-fresh.length) } : undefined;
  }
}

export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** What a new settings message changes on the page. */
export interface SettingsChange {
  /** The sliders must be built again (another sample, other dimensions, edits reset). */
  sliders: boolean;
  /** The grey levels changed: every image must be painted again. */
  repaint: boolean;
}

export function settingsChange(before: PlaygroundSettings | undefined, after: PlaygroundSettings): SettingsChange {
  const selectionChanged = before?.selected !== after.selected;
  const dimsChanged = JSON.stringify(before?.dims) !== JSON.stringify(after.dims);
  const editsReset = (before?.edits.length ?? 0) > 0 && after.edits.length === 0;
  return { sliders: selectionChanged || dimsChanged || editsReset, repaint: before?.mapping !== after.mapping };
}

/** One slider: the latent dimension, the sample's own value, the value shown and whether it is edited. */
export interface SliderRow {
  dim: number;
  original: number;
  value: number;
  edited: boolean;
}

/** The slider rows for the selected sample; undefined until the host has sent that sample's latent. */
export function sliderRows(settings: PlaygroundSettings, selection: { index: number; latent: number[] } | undefined): SliderRow[] | undefined {
  if (!selection || selection.index !== settings.selected) return undefined;
  const edits = new Map(settings.edits);
  return settings.dims.map((dim) => {
    const original = selection.latent[dim];
    return { dim, original, value: edits.get(dim) ?? original, edited: edits.has(dim) };
  });
}

/** The settings with slider `dim` moved to `value` (the host is told by a `slide`, and does not echo it). */
export function withEdit(settings: PlaygroundSettings, dim: number, value: number): PlaygroundSettings {
  const next = new Map(settings.edits);
  next.set(dim, value);
  return { ...settings, edits: [...next] };
}

/** Screen pixels per image pixel: a whole number when the image fits at 1:1, else the fraction that fits. */
export function wholeZoom(fit: number): number {
  return fit >= 1 ? Math.floor(fit) : fit;
}

export function gridHeading(settings: PlaygroundSettings, images: number): string {
  const source = settings.source === 'fixed' ? 'the run’s fixed noise' : `seed ${settings.seed}`;
  return `Grid · ${images} images · ${source} · ${settings.batchNorm === 'eval' ? 'running statistics' : 'batch statistics'}`;
}

export function singleHeading(settings: PlaygroundSettings): string {
  return `Sample ${settings.selected}${settings.edits.length > 0 ? ' (edited)' : ''}`;
}

export function infoTexts(info: PlaygroundInfo): { title: string; subtitle: string; footer: string } {
  return {
    title: info.runName,
    subtitle: `step ${info.step.toLocaleString('en-US')} · epoch ${formatEpochs(info.epoch)} · latent ${info.latentSize} · width ${info.featureSize}`,
    footer: `Checkpoint ${info.checkpointId} of ${info.runId} · ${info.backend}`,
  };
}

export const GRID_HINT = 'Click a sample to edit it · Shift+click sets A, Alt+click sets B · right-click copies its latent';

/** The last interpolation index in the grid (its images minus one). */
export function lastIndex(settings: PlaygroundSettings, info: PlaygroundInfo): number {
  return (settings.source === 'fixed' ? info.sampleCount : settings.count) - 1;
}
