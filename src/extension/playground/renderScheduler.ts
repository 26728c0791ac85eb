/**
 * Orders the playground's renders on its one generator process: one request at a time, the
 * slider's single image first, then the interpolation strip, then the grid; a newer request of a
 * kind replaces the one waiting (the latest slider position wins, and the frame already being
 * rendered is still shown). Grids in eval mode are rendered
 * in chunks sized to a time budget, so a big grid appears progressively and never holds a slider
 * frame back by more than one chunk; in train mode a grid is one batch (its statistics need every
 * image). Plain TypeScript, unit-tested with a fake renderer.
 */
import type { BatchNormMode } from '../../protocol/generatorProtocol';
import type { HostToPlayground, RenderKind } from '../../protocol/playgroundProtocol';

export interface RenderJob {
  kind: RenderKind;
  /** The webview's sequence number of the change that asked for it. */
  seq: number;
  /** [count x latentSize]. */
  latents: Float32Array;
  latentSize: number;
  batchNorm: BatchNormMode;
  columns: number;
  /** A conditional generator's classes, [count x classCount] (one-hot rows or mixtures). */
  classes?: Float32Array;
  classCount?: number;
}

/** What a render produces: the webview's images message, less the host's own timing. */
export type RenderOutput = Omit<Extract<HostToPlayground, { type: 'images' }>, 'type' | 'hostMs'>;

export interface SchedulerEvents {
  result(output: RenderOutput): void;
  busy(kind: RenderKind, busy: boolean): void;
  error(kind: RenderKind, error: unknown): void;
}

export type RenderFunction = (latents: Float32Array, batchNorm: BatchNormMode, classes?: Float32Array) => Promise<{ images: string; count: number; computeMs: number }>;

const PRIORITY: readonly RenderKind[] = ['single', 'strip', 'grid'];

interface Pending extends RenderJob {
  offset: number;
}

export class RenderScheduler {
  private readonly pending = new Map<RenderKind, Pending>();
  private running = false;
  private disposed = false;
  /** Milliseconds per image seen so far (to size grid chunks). */
  private msPerImage: number | undefined;

  constructor(
    private readonly render: RenderFunction,
    private readonly events: SchedulerEvents,
    /** Time a grid chunk should take. */
    private readonly chunkBudgetMs = 200,
  ) {}

  submit(job: RenderJob): void {
    if (this.disposed) return;
    const wasIdle = !this.pending.has(job.kind);
    this.pending.set(job.kind, { ...job, offset: 0 });
    if (wasIdle) this.events.busy(job.kind, true);
    void this.pump();
  }

  /** Whether any render is waiting or running. */
  get idle(): boolean {
    return !this.running && this.pending.size === 0;
  }

  /** Images for the next request of a grid job. */
  chunkSize(job: Pending): number {
    const total = job.latents.length / job.latentSize;
    const remaining = total - job.offset;
    if (job.kind !== 'grid' || job.batchNorm === 'train') return remaining;
    const perImage = this.msPerImage ?? 10;
    return Math.max(1, Math.min(remaining, Math.floor(this.chunkBudgetMs / perImage)));
  }

  private async pump(): Promise<void> {
    if (this.running || this.disposed) return;
    this.running = true;
    try {
      for (;;) {
        const kind = PRIORITY.find((k) => this.pending.has(k));
        if (!kind || this.disposed) return;
        const job = this.pending.get(kind)!;
        const total = job.latents.length / job.latentSize;
        const count = this.chunkSize(job);
        const slice = job.latents.subarray(job.offset * job.latentSize, (job.offset + count) * job.latentSize);
        let output: RenderOutput | undefined;
        try {
          const k = job.classCount ?? 0;
          const classes = job.classes && k > 0 ? job.classes.subarray(job.offset * k, (job.offset + count) * k) : undefined;
          const result = await (classes ? this.render(slice, job.batchNorm, classes) : this.render(slice, job.batchNorm));
          if (job.batchNorm === 'eval' && result.count > 0) {
            const sample = result.computeMs / result.count;
            this.msPerImage = this.msPerImage === undefined ? sample : 0.5 * this.msPerImage + 0.5 * sample;
          }
          output = { kind, seq: job.seq, offset: job.offset, total, images: result.images, computeMs: result.computeMs, columns: job.columns };
        } catch (error) {
          if (this.pending.get(kind) === job) {
            this.pending.delete(kind);
            this.events.busy(kind, false);
          }
          if (!this.disposed) this.events.error(kind, error);
          continue;
        }
        if (this.disposed) return;
        // A newer job of this kind replaced this one while it rendered: its output is still newer
        // than what is shown (a slider frame on the way), so deliver it; the newer job follows.
        if (this.pending.get(kind) !== job) {
          this.events.result(output);
          continue;
        }
        job.offset += count;
        if (job.offset >= total) {
          this.pending.delete(kind);
          this.events.result(output);
          this.events.busy(kind, false);
        } else {
          this.events.result(output);
        }
      }
    } finally {
      this.running = false;
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pending.clear();
  }
}
