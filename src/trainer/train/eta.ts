/**
 * The time left of a run, from a moving window of timed steps. The first step of a session is not
 * timed (it compiles kernels and warms caches: at step 1 of the quick preset it took long enough
 * to suggest 26 minutes for a 4-minute run); until `minSteps` steps are timed there is no
 * estimate, and views say "estimating…". Pure.
 */
export class EtaEstimator {
  private readonly window: number[] = [];
  private sum = 0;
  private skipNext = true;

  constructor(
    private readonly size = 50,
    private readonly minSteps = 5,
  ) {}

  /** A new session (or a resume after a pause long enough to cool caches): skip its first step. */
  restart(): void {
    this.skipNext = true;
  }

  /** Records the wall time of one step. */
  addStep(seconds: number): void {
    if (this.skipNext) {
      this.skipNext = false;
      return;
    }
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.window.push(seconds);
    this.sum += seconds;
    if (this.window.length > this.size) this.sum -= this.window.shift()!;
  }

  /** Mean seconds per step over the window, or null while estimating. */
  get secondsPerStep(): number | null {
    return this.window.length < this.minSteps ? null : this.sum / this.window.length;
  }

  /** Seconds until `remainingSteps` more steps are done, or null while estimating. */
  etaSec(remainingSteps: number): number | null {
    const s = this.secondsPerStep;
    return s === null ? null : Math.max(0, remainingSteps) * s;
  }
}
