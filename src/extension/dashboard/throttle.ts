/**
 * Runs a task at most once per interval however often it is asked for: the first request after a
 * quiet period runs on the next tick, later ones are merged into one run at the end of the
 * interval. Plain Node; the clock is injectable for tests.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class Throttle {
  private timer: unknown;
  private lastRun = -Infinity;
  private disposed = false;

  constructor(
    private readonly task: () => void,
    readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Asks for a run; merged with any run already scheduled. */
  schedule(): void {
    if (this.disposed || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastRun + this.intervalMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.fire(), wait);
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.disposed) return;
    this.lastRun = this.clock.now();
    this.task();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
