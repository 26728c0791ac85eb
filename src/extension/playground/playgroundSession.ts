/**
 * One playground's logic, without vscode: loads a checkpoint into its generator, owns the settings
 * and the latents, turns the webview's intents into renders (through the RenderScheduler) and
 * posts what the webview draws. The panel (playgroundPanel.ts) connects it to a webview and to
 * VS Code's clipboard, save dialog and export command; tests drive it with a fake generator.
 */
import { decodeFloat32 } from '../../protocol/binary';
import { assertNever, BackendChoice } from '../../protocol/experimentConfig';
import type { GeneratorInfo } from '../../protocol/generatorProtocol';
import { columnsFor } from '../../protocol/gridLayout';
import { formatLatent, interpolate, latentAt, MAX_SEED, withDimensions } from '../../protocol/latent';
import {
  applySettings,
  defaultSettings,
  gridCount,
  HostToPlayground,
  PlaygroundInfo,
  PlaygroundLimits,
  PlaygroundSettings,
  PlaygroundToHost,
  planRenders,
  RenderKind,
  CLASS_ROW_COLUMNS,
  classInterpolation,
  classRows,
} from '../../protocol/playgroundProtocol';
import type { RunError } from '../../protocol/runFormat';
import { Generator, GeneratorError } from './generatorClient';
import { RenderScheduler } from './renderScheduler';

/** What the session asks of VS Code (or of a test). */
export interface PlaygroundActions {
  post(message: HostToPlayground): void;
  copy(text: string, what: string): Promise<void>;
  /** Asks where to save the grid; undefined when cancelled. */
  chooseGridFile(suggestedName: string): Promise<string | undefined>;
  saved(file: string): void;
  exportGenerator(checkpointDir: string): Promise<void>;
  log(line: string): void;
  /** A random seed for "new seed" (injected so tests are deterministic). */
  randomSeed(): number;
}

export interface PlaygroundTarget {
  checkpointDir: string;
  runName: string;
  backend: BackendChoice;
}

export class PlaygroundSession {
  private info: GeneratorInfo | undefined;
  private settings: PlaygroundSettings | undefined;
  private latents: Float32Array | undefined;
  private fixedNoise: Float32Array | undefined;
  private readonly scheduler: RenderScheduler;
  private latentsVersion = 0;
  private loading: Promise<void> | undefined;
  private disposed = false;
  /** When each change arrived (by the webview's sequence number), and the host latency of slider frames. */
  private readonly receivedAt = new Map<number, number>();
  private hostTimes: number[] = [];

  constructor(
    readonly target: PlaygroundTarget,
    private readonly generator: Generator,
    private readonly actions: PlaygroundActions,
    private restored?: Partial<PlaygroundSettings>,
  ) {
    this.scheduler = new RenderScheduler((latents, mode, classes) => (classes ? this.generator.render(latents, mode, classes) : this.generator.render(latents, mode)), {
      result: (o) => {
        const received = this.receivedAt.get(o.seq);
        const hostMs = received === undefined ? 0 : performance.now() - received;
        if (o.kind === 'single' && received !== undefined) this.hostTimes.push(hostMs);
        this.actions.post({ type: 'images', ...o, hostMs });
      },
      // A slider frame takes tens of milliseconds: a spinner for it would only flicker.
      busy: (kind, busy) => kind !== 'single' && this.actions.post({ type: 'busy', kind, busy }),
      error: (kind, error) => this.reportError(error, false, kind),
    });
  }

  get currentSettings(): PlaygroundSettings | undefined {
    return this.settings;
  }

  get generatorInfo(): GeneratorInfo | undefined {
    return this.info;
  }

  private get limits(): PlaygroundLimits {
    return { latentSize: this.info!.latentSize, sampleCount: this.info!.sampleCount, classes: this.info!.classNames?.length ?? 0 };
  }

  /** Loads the checkpoint (once; again after a failure) and sends everything to the webview. */
  private load(): Promise<void> {
    this.loading ??= (async () => {
      this.actions.post({ type: 'loading', message: `Loading the generator of “${this.target.runName}” (${checkpointName(this.target.checkpointDir)})…` });
      try {
        this.info = await this.generator.load({ checkpointDir: this.target.checkpointDir, backend: this.target.backend });
      } catch (error) {
        this.loading = undefined;
        throw error;
      }
      this.fixedNoise = decodeFloat32(this.info.fixedNoise);
      const base = defaultSettings(this.info.latentSize);
      this.settings = applySettings(base, this.restored ?? {}, this.limits);
      this.restored = undefined;
      this.actions.log(`Playground: ${this.target.runName} ${this.info.checkpointId} on ${this.info.backend.name} (${this.info.backend.detail})`);
    })();
    return this.loading;
  }

  /** The webview (re)started: send the whole state and render everything. */
  async ready(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.reportError(error, true);
      return;
    }
    if (this.disposed) return;
    this.actions.post({ type: 'info', info: this.playgroundInfo() });
    this.actions.post({ type: 'settings', settings: this.settings!, checkpointDir: this.target.checkpointDir });
    await this.apply(undefined, this.settings!, 0);
  }

  private playgroundInfo(): PlaygroundInfo {
    const info = this.info!;
    return {
      runName: this.target.runName,
      runId: info.runId,
      checkpointId: info.checkpointId,
      step: info.step,
      epoch: info.epoch,
      latentSize: info.latentSize,
      featureSize: info.featureSize,
      imageSize: info.imageSize,
      channels: info.channels,
      sampleCount: info.sampleCount,
      ...(info.classNames ? { classNames: info.classNames } : {}),
      backend: `${info.backend.name}: ${info.backend.detail}`,
    };
  }

  async onMessage(message: PlaygroundToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
      case 'retry':
        return this.ready();
      case 'update':
        return this.update(message.patch, message.seq);
      case 'slide':
        return this.update({ edits: message.edits }, message.seq, false);
      case 'randomSeed':
        return this.update({ source: 'seed', seed: this.actions.randomSeed() % (MAX_SEED + 1) }, message.seq);
      case 'copyLatent':
        return this.copyLatent(message.target);
      case 'saveGrid':
        return this.saveGrid();
      case 'exportGenerator':
        return this.actions.exportGenerator(this.target.checkpointDir);
      case 'frameTimes':
        return this.logFrameTimes(message.kind, message.ms, message.renderMs);
      default:
        assertNever(message);
    }
  }

  /** Applies a change; the validated settings go back to the webview unless `echo` is false (slider moves, many a second). */
  private async update(patch: Partial<PlaygroundSettings>, seq: number, echo = true): Promise<void> {
    if (!this.settings || !this.info) return;
    this.receivedAt.set(seq, performance.now());
    if (this.receivedAt.size > 500) this.receivedAt.delete(this.receivedAt.keys().next().value!);
    const before = this.settings;
    const after = applySettings(before, patch, this.limits);
    this.settings = after;
    // A slider move that was valid as sent is not echoed: that would only slow the webview down.
    if (echo || JSON.stringify(after.edits) !== JSON.stringify(patch.edits)) this.actions.post({ type: 'settings', settings: after, checkpointDir: this.target.checkpointDir });
    await this.apply(before, after, seq);
  }

  /** Recomputes latents if needed and submits the renders the change calls for. */
  private async apply(before: PlaygroundSettings | undefined, after: PlaygroundSettings, seq: number): Promise<void> {
    const plan = planRenders(before, after);
    if (plan.latents || !this.latents) {
      const version = ++this.latentsVersion;
      let latents: Float32Array;
      try {
        latents = after.source === 'fixed' ? this.fixedNoise! : await this.generator.latents(after.seed, after.count);
      } catch (error) {
        this.reportError(error, false);
        return;
      }
      // A newer change asked for other latents while these were drawn.
      if (version !== this.latentsVersion || this.disposed) return;
      this.latents = latents;
    }
    const settings = this.settings!;
    const latentSize = this.info!.latentSize;
    const latents = this.latents!;
    const count = gridCount(settings, this.limits);
    if (plan.latents || !before || before.selected !== settings.selected) {
      this.actions.post({ type: 'selection', index: settings.selected, latent: Array.from(latentAt(latents, latentSize, settings.selected)) });
    }
    // The strip and the sliders show single images, so they use running statistics (eval); the
    // grid follows the BatchNorm setting.
    const k = this.classCount;
    const conditional = (classes: Float32Array) => (k > 0 ? { classes, classCount: k } : {});
    if (plan.single) this.scheduler.submit({ kind: 'single', seq, latents: this.editedLatent(), latentSize, batchNorm: 'eval', columns: 1, ...conditional(this.sampleClasses([settings.selected])) });
    if (plan.strip) {
      const selected = latentAt(latents, latentSize, settings.selected);
      if (k > 0 && settings.strip !== 'latents') {
        // One latent (the selected sample's), the class changing: every class, or class A to class B.
        const steps = settings.strip === 'everyClass' ? k : settings.steps;
        const repeated = new Float32Array(steps * latentSize);
        for (let i = 0; i < steps; i++) repeated.set(selected, i * latentSize);
        const classes = settings.strip === 'everyClass' ? Float32Array.from({ length: k * k }, (_, i) => (Math.floor(i / k) === i % k ? 1 : 0)) : classInterpolation(settings.classA, settings.classB, steps, k);
        this.scheduler.submit({ kind: 'strip', seq, latents: repeated, latentSize, batchNorm: 'eval', columns: steps, classes, classCount: k });
      } else {
        const strip = interpolate(latentAt(latents, latentSize, settings.a), latentAt(latents, latentSize, settings.b), settings.steps, settings.method);
        // Conditional: the strip keeps sample A's class.
        this.scheduler.submit({ kind: 'strip', seq, latents: strip, latentSize, batchNorm: 'eval', columns: settings.steps, ...conditional(this.sampleClasses(new Array<number>(settings.steps).fill(settings.a))) });
      }
    }
    if (plan.grid) {
      const columns = k > 0 && settings.gridClass === -1 ? CLASS_ROW_COLUMNS : columnsFor(count);
      this.scheduler.submit({ kind: 'grid', seq, latents: latents.subarray(0, count * latentSize), latentSize, batchNorm: settings.batchNorm, columns, ...conditional(classRows(count, k, settings.gridClass)) });
    }
  }

  /** Classes of a conditional generator (0: unconditional). */
  private get classCount(): number {
    return this.info?.classNames?.length ?? 0;
  }

  /** One-hot classes of grid samples `indices` under the current settings (a sample's row class, or the chosen class). */
  private sampleClasses(indices: number[]): Float32Array {
    const k = this.classCount;
    const out = new Float32Array(indices.length * k);
    if (k === 0) return out;
    const chosen = this.settings!.gridClass;
    indices.forEach((index, i) => (out[i * k + (chosen >= 0 ? chosen : Math.floor(index / CLASS_ROW_COLUMNS) % k)] = 1));
    return out;
  }

  private editedLatent(): Float32Array {
    const s = this.settings!;
    return withDimensions(latentAt(this.latents!, this.info!.latentSize, s.selected), new Map(s.edits));
  }

  private async copyLatent(target: Extract<PlaygroundToHost, { type: 'copyLatent' }>['target']): Promise<void> {
    if (!this.latents || !this.info || !this.settings) return;
    const count = gridCount(this.settings, this.limits);
    if (target.kind === 'sample') {
      if (!Number.isInteger(target.index) || target.index < 0 || target.index >= count) return;
      await this.actions.copy(formatLatent(latentAt(this.latents, this.info.latentSize, target.index)), `the latent vector of sample ${target.index}`);
    } else {
      const edited = this.settings.edits.length > 0;
      await this.actions.copy(formatLatent(this.editedLatent()), `the latent vector of sample ${this.settings.selected}${edited ? ' with the slider edits' : ''}`);
    }
  }

  private async saveGrid(): Promise<void> {
    if (!this.latents || !this.info || !this.settings) return;
    const s = this.settings;
    const count = gridCount(s, this.limits);
    const source = s.source === 'fixed' ? 'fixed-noise' : `seed${s.seed}`;
    const file = await this.actions.chooseGridFile(`${slug(this.target.runName)}-${this.info.checkpointId}-${source}-${s.batchNorm}.png`);
    if (!file) return;
    try {
      await this.generator.saveGrid({
        file,
        latents: this.latents.slice(0, count * this.info.latentSize),
        ...(this.classCount > 0 ? { classes: classRows(count, this.classCount, s.gridClass) } : {}),
        batchNorm: s.batchNorm,
        mapping: s.mapping,
        columns: this.classCount > 0 && s.gridClass === -1 ? CLASS_ROW_COLUMNS : columnsFor(count),
        text: {
          Title: `${this.target.runName} ${this.info.checkpointId}: ${s.source === 'fixed' ? 'the run’s fixed noise' : `seed ${s.seed}`}`,
          Run: this.info.runId,
          Checkpoint: this.info.checkpointId,
          Step: String(this.info.step),
          Epoch: String(this.info.epoch),
          Latents: s.source === 'fixed' ? 'fixed noise' : `seed ${s.seed}, ${count} vectors`,
          BatchNorm: s.batchNorm === 'eval' ? 'running statistics (eval)' : 'batch statistics (train)',
        },
      });
      this.actions.saved(file);
    } catch (error) {
      this.reportError(error, false);
    }
  }

  private logFrameTimes(kind: RenderKind, ms: number[], renderMs: number[]): void {
    const stats = (values: number[]) => {
      const v = values.filter((x) => Number.isFinite(x) && x >= 0).sort((a, b) => a - b);
      return v.length === 0 ? undefined : { median: v[Math.floor(v.length / 2)], p90: v[Math.min(v.length - 1, Math.floor(v.length * 0.9))], max: v[v.length - 1], n: v.length };
    };
    const render = stats(renderMs);
    const input = stats(ms);
    if (!render || !input) return;
    const host = stats(this.hostTimes);
    this.hostTimes = [];
    this.actions.log(
      `Playground: ${kind} frames (${render.n}): render and show median ${render.median.toFixed(0)} ms, 90th percentile ${render.p90.toFixed(0)} ms, max ${render.max.toFixed(0)} ms; ` +
        `from the slider median ${input.median.toFixed(0)} ms${host ? `; in the extension host and generator median ${host.median.toFixed(0)} ms` : ''}`,
    );
  }

  private reportError(error: unknown, fatal: boolean, kind?: RenderKind): void {
    const problem: RunError =
      error instanceof GeneratorError ? error.problem : { message: (error as Error).message ?? String(error), hint: 'The GAN Studio output channel has the details.' };
    this.actions.log(`Playground${kind ? ` (${kind})` : ''}: ${problem.message}${problem.hint ? ` ${problem.hint}` : ''}`);
    if (problem.detail) this.actions.log(problem.detail);
    this.actions.post({ type: 'error', problem: { message: problem.message, hint: problem.hint }, fatal });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.scheduler.dispose();
    await this.generator.dispose();
  }
}

function checkpointName(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'generator';
}
