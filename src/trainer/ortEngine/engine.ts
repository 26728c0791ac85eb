/**
 * The onnxruntime training engine: the whole iteration (stepGraph.ts) runs as one onnxruntime-node
 * session on every core, with the parameters, Adam's moments and the BatchNorm running statistics
 * in flat Float32Arrays fed as inputs and written by the session into a second set (swapped after
 * each step, so nothing is copied). TensorFlow.js keeps the model for everything else (grids,
 * evaluation, checkpoints, export): exportTo() writes the engine's state into it before those, and
 * importFrom() reads it back (after a restore, or a grid that updates G's running statistics).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as Ort from 'onnxruntime-node';
import { ExperimentConfig, IMAGE_CHANNELS, IMAGE_SIZE } from '../../protocol/experimentConfig';
import type { LayerSpec, Network } from '../model/dcgan';
import type { TrainingState } from '../train/checkpoint';
import { ADAM_EPSILON, StepValues } from '../train/step';
import { NetLayout, netLayout } from './layout';
import { buildStepModel, STEP_SCALAR_OUTPUTS, StepGraphConfig } from './stepGraph';

type OrtModule = typeof Ort;

interface NetState {
  p: Float32Array;
  m: Float32Array;
  v: Float32Array;
  s: Float32Array;
}

interface AdamCounters {
  iterations: number;
  beta1Power: number;
  beta2Power: number;
}

export interface EngineOptions {
  threads?: number;
  /** onnxruntime's graph optimisation level (default "all"). */
  optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** onnxruntime's inter-op threads (above 1: independent nodes run at the same time; default 1). */
  interOpThreads?: number;
  /** onnxruntime's profiler (bench/ortEngineProfile.ts). */
  profile?: boolean;
  /** How the graph builds convolution patches (stepGraph.ts); default one Gather. */
  patches?: 'gather' | 'slices';
  /** Transposed convolutions of inputs up to this size compute each phase on its own (stepGraph.ts). */
  exactPhasesUpTo?: number;
  /**
   * Whether idle worker threads spin between ops (onnxruntime's default: lower latency on an idle
   * machine, but under contention the spinning threads take the cores from the work: two to three
   * times slower steps were measured at load 10). GAN_STUDIO_ORT_SPIN=1 or 0 overrides it; without
   * either, no spinning (select.ts spins when the cores are idle as a run starts).
   */
  spinning?: boolean;
}

/** onnxruntime-node, or why it cannot be loaded. */
export function loadOrt(): { ort: OrtModule; version: string } | { problem: string } {
  if (process.env.GAN_STUDIO_NO_ORT) return { problem: 'onnxruntime-node disabled by GAN_STUDIO_NO_ORT' };
  try {
    const req = createRequire(__filename);
    const version = (req('onnxruntime-node/package.json') as { version: string }).version;
    return { ort: req('onnxruntime-node') as OrtModule, version };
  } catch (error) {
    return { problem: `onnxruntime-node is not installed (${(error as Error).message.split('\n')[0]})` };
  }
}

const f32 = Math.fround;

/** Whether the cores are mostly idle right now (over `ms`): then onnxruntime's threads may spin. */
export async function coresIdle(ms = 250, idleShare = 0.75): Promise<boolean> {
  const sample = () => os.cpus().reduce((acc, c) => ({ idle: acc.idle + c.times.idle, total: acc.total + Object.values(c.times).reduce((a, b) => a + b, 0) }), { idle: 0, total: 0 });
  const a = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = sample();
  return b.total > a.total && (b.idle - a.idle) / (b.total - a.total) >= idleShare;
}

export class OrtStepEngine {
  private readonly sessions = new Map<number, Promise<Ort.InferenceSession>>();
  private cur: { g: NetState; d: NetState };
  private next: { g: NetState; d: NetState };
  private readonly counters: { g: AdamCounters; d: AdamCounters };
  private readonly gLayout: NetLayout;
  private readonly dLayout: NetLayout;
  private readonly scalars = Object.fromEntries(STEP_SCALAR_OUTPUTS.map((name) => [name, new Float32Array(1)])) as Record<(typeof STEP_SCALAR_OUTPUTS)[number], Float32Array>;
  /** Whether TensorFlow.js's copy of the state is as new as the engine's. */
  private tfCurrent = true;
  readonly threads: number;
  readonly spinning: boolean;

  constructor(
    private readonly ort: OrtModule,
    private readonly config: ExperimentConfig,
    readonly generatorSpecs: LayerSpec[],
    readonly discriminatorSpecs: LayerSpec[],
    private readonly options: EngineOptions = {},
  ) {
    this.threads = options.threads ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const env = process.env.GAN_STUDIO_ORT_SPIN;
    this.spinning = env === '1' ? true : env === '0' ? false : (options.spinning ?? false);
    this.gLayout = netLayout(generatorSpecs);
    this.dLayout = netLayout(discriminatorSpecs);
    const net = (l: NetLayout): NetState => ({ p: new Float32Array(l.size), m: new Float32Array(l.size), v: new Float32Array(l.size), s: new Float32Array(l.statsSize) });
    this.cur = { g: net(this.gLayout), d: net(this.dLayout) };
    this.next = { g: net(this.gLayout), d: net(this.dLayout) };
    const fresh = (): AdamCounters => ({ iterations: 0, beta1Power: f32(config.beta1), beta2Power: f32(config.beta2) });
    this.counters = { g: fresh(), d: fresh() };
  }

  graphConfig(batch: number): StepGraphConfig {
    const c = this.config;
    return {
      generator: this.generatorSpecs,
      discriminator: this.discriminatorSpecs,
      latentSize: c.latentSize,
      imageSize: IMAGE_SIZE,
      imageChannels: IMAGE_CHANNELS,
      batch,
      learningRateD: c.learningRateD ?? c.learningRate,
      learningRateG: c.learningRateG ?? c.learningRate,
      beta1: c.beta1,
      beta2: c.beta2,
      epsilon: ADAM_EPSILON,
      patches: this.options.patches,
      exactPhasesUpTo: this.options.exactPhasesUpTo,
    };
  }

  /** The session for a batch size (the last batch of an epoch may be smaller), created on first use. */
  session(batch: number): Promise<Ort.InferenceSession> {
    let session = this.sessions.get(batch);
    if (!session) {
      session = this.ort.InferenceSession.create(buildStepModel(this.graphConfig(batch)), {
        intraOpNumThreads: this.threads,
        interOpNumThreads: this.options.interOpThreads ?? 1,
        executionMode: (this.options.interOpThreads ?? 1) > 1 ? 'parallel' : 'sequential',
        graphOptimizationLevel: this.options.optimizationLevel ?? 'all',
        ...(this.spinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
        ...(this.options.profile ? { enableProfiling: true, profileFilePrefix: path.join(os.tmpdir(), `gan-studio-ort-${process.pid}`) } : {}),
      });
      this.sessions.set(batch, session);
    }
    return session;
  }

  /** One iteration on real images (NHWC) and noise; the state moves on. */
  async step(realImages: Float32Array, noise: Float32Array): Promise<StepValues> {
    const batch = noise.length / this.config.latentSize;
    const session = await this.session(batch);
    const T = this.ort.Tensor;
    const { cur, next, counters } = this;
    const vec = (a: Float32Array) => new T('float32', a, [a.length]);
    const one = (x: number) => new T('float32', Float32Array.of(x), [1]);
    const feeds: Record<string, Ort.Tensor> = {
      real: new T('float32', realImages, [batch, IMAGE_SIZE, IMAGE_SIZE, IMAGE_CHANNELS]),
      z: new T('float32', noise, [batch, 1, 1, this.config.latentSize]),
      gP: vec(cur.g.p), gM: vec(cur.g.m), gV: vec(cur.g.v), gS: vec(cur.g.s),
      dP: vec(cur.d.p), dM: vec(cur.d.m), dV: vec(cur.d.v), dS: vec(cur.d.s),
      // 1 - β^t in float32, as TensorFlow.js's Adam computes it from its float32 products.
      gC1: one(f32(1 - counters.g.beta1Power)), gC2: one(f32(1 - counters.g.beta2Power)),
      dC1: one(f32(1 - counters.d.beta1Power)), dC2: one(f32(1 - counters.d.beta2Power)),
    };
    const fetches: Record<string, Ort.Tensor> = {
      gP_out: vec(next.g.p), gM_out: vec(next.g.m), gV_out: vec(next.g.v), gS_out: vec(next.g.s),
      dP_out: vec(next.d.p), dM_out: vec(next.d.m), dV_out: vec(next.d.v), dS_out: vec(next.d.s),
    };
    for (const name of STEP_SCALAR_OUTPUTS) fetches[name] = new T('float32', this.scalars[name], []);
    await session.run(feeds, fetches);
    this.cur = next;
    this.next = cur;
    for (const c of [counters.g, counters.d]) {
      c.iterations++;
      c.beta1Power = f32(c.beta1Power * f32(this.config.beta1));
      c.beta2Power = f32(c.beta2Power * f32(this.config.beta2));
    }
    this.tfCurrent = false;
    const s = this.scalars;
    return { lossD: s.lossD[0], lossG: s.lossG[0], dReal: s.dReal[0], dFake: s.dFake[0], dFakeAfter: s.dFakeAfter[0] };
  }

  /** Takes the state from TensorFlow.js (a new or restored run, or after G drew a grid in train mode). */
  async importFrom(state: TrainingState): Promise<void> {
    this.importNet(state.model.generator, state.optimizers.g, this.cur.g, this.counters.g);
    this.importNet(state.model.discriminator, state.optimizers.d, this.cur.d, this.counters.d);
    this.tfCurrent = true;
  }

  /** Writes the state into TensorFlow.js's variables and optimisers (before grids, evaluations, checkpoints). */
  async exportTo(state: TrainingState): Promise<void> {
    if (this.tfCurrent) return;
    await this.exportNet(state.model.generator, state.optimizers.g, this.cur.g, this.counters.g);
    await this.exportNet(state.model.discriminator, state.optimizers.d, this.cur.d, this.counters.d);
    this.tfCurrent = true;
  }

  /** Running statistics in layout order (allVariables() holds them after each layer's gamma and beta). */
  private static runningStats(net: Network): tf.Variable[] {
    const trainable = new Set(net.trainableVariables());
    return net.allVariables().filter((v, i) => !trainable.has(v) && /\/bn\/running_(mean|var)$/.test(net.variableNames[i]));
  }

  private importNet(net: Network, optimizer: tf.AdamOptimizer, into: NetState, counters: AdamCounters): void {
    const trainable = net.trainableVariables();
    const adam = adamInternals(optimizer);
    const hasMoments = adam.accumulatedFirstMoment.length === trainable.length;
    let offset = 0;
    trainable.forEach((variable, i) => {
      into.p.set(variable.dataSync() as Float32Array, offset);
      into.m.set(hasMoments ? (adam.accumulatedFirstMoment[i].variable.dataSync() as Float32Array) : new Float32Array(variable.size), offset);
      into.v.set(hasMoments ? (adam.accumulatedSecondMoment[i].variable.dataSync() as Float32Array) : new Float32Array(variable.size), offset);
      offset += variable.size;
    });
    offset = 0;
    for (const v of OrtStepEngine.runningStats(net)) {
      into.s.set(v.dataSync() as Float32Array, offset);
      offset += v.size;
    }
    counters.iterations = adam.iterations;
    counters.beta1Power = adam.accBeta1.dataSync()[0];
    counters.beta2Power = adam.accBeta2.dataSync()[0];
  }

  private async exportNet(net: Network, optimizer: tf.AdamOptimizer, from: NetState, counters: AdamCounters): Promise<void> {
    const trainable = net.trainableVariables();
    const piece = (flat: Float32Array, start: number, v: tf.Variable) => tf.tensor(flat.subarray(start, start + v.size), v.shape);
    const offsets: number[] = [];
    let offset = 0;
    for (const v of trainable) {
      offsets.push(offset);
      offset += v.size;
    }
    tf.tidy(() => trainable.forEach((v, i) => v.assign(piece(from.p, offsets[i], v))));
    offset = 0;
    tf.tidy(() => {
      for (const v of OrtStepEngine.runningStats(net)) {
        v.assign(piece(from.s, offset, v));
        offset += v.size;
      }
    });
    if (counters.iterations === 0) return;
    const adam = adamInternals(optimizer);
    if (adam.accumulatedFirstMoment.length === trainable.length) {
      tf.tidy(() => {
        trainable.forEach((v, i) => {
          adam.accumulatedFirstMoment[i].variable.assign(piece(from.m, offsets[i], v));
          adam.accumulatedSecondMoment[i].variable.assign(piece(from.v, offsets[i], v));
        });
      });
      adam.setIterations(counters.iterations);
    } else {
      const weights = [
        { name: 'iter', tensor: tf.scalar(counters.iterations, 'int32') as tf.Tensor },
        ...trainable.map((v, i) => ({ name: `${v.name}/m`, tensor: piece(from.m, offsets[i], v) })),
        ...trainable.map((v, i) => ({ name: `${v.name}/v`, tensor: piece(from.v, offsets[i], v) })),
      ];
      await optimizer.setWeights(weights);
      tf.dispose(weights.map((w) => w.tensor));
    }
    tf.tidy(() => {
      adam.accBeta1.assign(tf.scalar(counters.beta1Power));
      adam.accBeta2.assign(tf.scalar(counters.beta2Power));
    });
  }

  /** Ends onnxruntime's profiling of the first session; returns the profile file (with EngineOptions.profile). */
  async endProfiling(): Promise<string | undefined> {
    if (!this.options.profile) return undefined;
    const first = this.sessions.values().next().value;
    if (!first) return undefined;
    (await first).endProfiling();
    const dir = os.tmpdir();
    const prefix = `gan-studio-ort-${process.pid}`;
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).sort();
    return files.length > 0 ? path.join(dir, files[files.length - 1]) : undefined;
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of sessions) await (await s).release();
  }
}


interface AdamInternals {
  accumulatedFirstMoment: { variable: tf.Variable }[];
  accumulatedSecondMoment: { variable: tf.Variable }[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations: number;
  setIterations(n: number): void;
}

/** TensorFlow.js's AdamOptimizer keeps its moments, powers of β and step count in private fields. */
function adamInternals(optimizer: tf.AdamOptimizer): AdamInternals {
  const o = optimizer as unknown as { accumulatedFirstMoment?: unknown; accumulatedSecondMoment?: unknown; accBeta1?: unknown; accBeta2?: unknown; iterations_?: unknown; iterations: number };
  if (!Array.isArray(o.accumulatedFirstMoment) || !Array.isArray(o.accumulatedSecondMoment) || !(o.accBeta1 instanceof tf.Variable) || !(o.accBeta2 instanceof tf.Variable) || typeof o.iterations !== 'number') {
    throw new Error("TensorFlow.js's AdamOptimizer changed its private fields: the onnxruntime engine needs an update of ortEngine/engine.ts");
  }
  return {
    accumulatedFirstMoment: o.accumulatedFirstMoment as { variable: tf.Variable }[],
    accumulatedSecondMoment: o.accumulatedSecondMoment as { variable: tf.Variable }[],
    accBeta1: o.accBeta1,
    accBeta2: o.accBeta2,
    iterations: o.iterations,
    setIterations: (n: number) => {
      o.iterations_ = n;
    },
  };
}
