/** The playground's class picker for a conditional generator, against a fake generator: which classes each render asks for. */
import * as assert from 'node:assert/strict';
import { Generator } from '../../../src/extension/playground/generatorClient';
import { PlaygroundActions, PlaygroundSession } from '../../../src/extension/playground/playgroundSession';
import { encodeFloat32 } from '../../../src/protocol/binary';
import type { BatchNormMode, GeneratorInfo } from '../../../src/protocol/generatorProtocol';
import { applySettings, classInterpolation, defaultSettings, HostToPlayground } from '../../../src/protocol/playgroundProtocol';

const L = 2;
const K = 3;

/** Records, per render, the latents' first values and the classes asked for. */
class ConditionalFake implements Generator {
  renders: { count: number; firsts: number[]; classes: number[][] | undefined }[] = [];
  async load(): Promise<GeneratorInfo> {
    return {
      runId: 'run-c', checkpointId: 'step-000700', step: 700, epoch: 1, latentSize: L, featureSize: 8, imageSize: 2, channels: 1,
      fixedNoise: encodeFloat32(new Float32Array(24 * L)), sampleCount: 24, seed: 42, backend: { name: 'cpu', detail: 'fake', skipped: [] },
      classNames: ['Top', 'Trouser', 'Bag'],
    };
  }
  async latents(_seed: number, count: number): Promise<Float32Array> {
    return Float32Array.from({ length: count * L }, (_, i) => Math.floor(i / L));
  }
  async render(latents: Float32Array, _batchNorm: BatchNormMode, classes?: Float32Array) {
    const count = latents.length / L;
    const rows = classes ? Array.from({ length: count }, (_, i) => Array.from(classes.subarray(i * K, (i + 1) * K))) : undefined;
    this.renders.push({ count, firsts: Array.from({ length: count }, (_, i) => latents[i * L]), classes: rows });
    return { images: encodeFloat32(new Float32Array(count * 4)), count, computeMs: 1 };
  }
  async saveGrid(params: Parameters<Generator['saveGrid']>[0]) {
    return { file: params.file, width: 1, height: 1 };
  }
  async exportModel(): Promise<never> {
    throw new Error('not used');
  }
  async dispose() {}
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

const argmax = (row: number[]) => row.indexOf(Math.max(...row));

function harness() {
  const posted: HostToPlayground[] = [];
  const actions: PlaygroundActions = {
    post: (m) => posted.push(m),
    copy: async () => undefined,
    chooseGridFile: async (name) => `/tmp/${name}`,
    saved: () => undefined,
    exportGenerator: async () => undefined,
    log: () => undefined,
    randomSeed: () => 5,
  };
  const generator = new ConditionalFake();
  return { session: new PlaygroundSession({ checkpointDir: '/runs/c/checkpoints/step-000700', runName: 'conditional', backend: 'cpu' }, generator, actions), generator, posted };
}

describe('playground: the class picker of a conditional generator', () => {
  it('renders the grid one row of 8 per class, names the classes, and a chosen class everywhere', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await settle();
    const info = h.posted.find((m) => m.type === 'info') as Extract<HostToPlayground, { type: 'info' }>;
    assert.deepEqual(info.info.classNames, ['Top', 'Trouser', 'Bag']);
    const grid = h.generator.renders.find((r) => r.count === 64)!;
    assert.deepEqual(grid.classes!.map(argmax).slice(0, 24), [...Array(8).fill(0), ...Array(8).fill(1), ...Array(8).fill(2)]);
    assert.equal(argmax(grid.classes![24]), 0, 'the fourth row starts over at class 0');
    const gridImages = h.posted.find((m) => m.type === 'images' && m.kind === 'grid') as Extract<HostToPlayground, { type: 'images' }>;
    assert.equal(gridImages.columns, 8, 'rows of 8, one class each');
    h.generator.renders = [];
    await h.session.onMessage({ type: 'update', patch: { gridClass: 2 }, seq: 2 });
    await settle();
    const again = h.generator.renders.filter((r) => r.count > 1 && r.classes).flatMap((r) => r.classes!.map(argmax));
    assert.ok(again.length >= 64 && again.every((k) => k === 2), 'every sample of the grid asks for class 2');
  });

  it('the strip: the selected latent under every class, and from class A to class B (mixed one-hot)', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await settle();
    await h.session.onMessage({ type: 'update', patch: { selected: 5, strip: 'everyClass' }, seq: 3 });
    await settle();
    const every = h.generator.renders.filter((r) => r.count === K).pop()!;
    assert.deepEqual(every.firsts, [5, 5, 5], 'one latent');
    assert.deepEqual(every.classes!.map(argmax), [0, 1, 2], 'under every class');
    await h.session.onMessage({ type: 'update', patch: { strip: 'classes', classA: 0, classB: 2, steps: 5 }, seq: 4 });
    await settle();
    const between = h.generator.renders.filter((r) => r.count === 5).pop()!;
    assert.deepEqual(between.firsts, [5, 5, 5, 5, 5]);
    assert.deepEqual(between.classes, [[1, 0, 0], [0.75, 0, 0.25], [0.5, 0, 0.5], [0.25, 0, 0.75], [0, 0, 1]]);
  });

  it('validates the class settings, and an unconditional generator keeps the latent strip', () => {
    const base = defaultSettings(L);
    const conditional = applySettings(base, { gridClass: 9, classA: -3, strip: 'everyClass' }, { latentSize: L, sampleCount: 64, classes: K });
    assert.deepEqual([conditional.gridClass, conditional.classA, conditional.strip], [2, 0, 'everyClass']);
    const plain = applySettings(base, { gridClass: 1, strip: 'classes' }, { latentSize: L, sampleCount: 64 });
    assert.deepEqual([plain.gridClass, plain.strip], [-1, 'latents']);
    assert.deepEqual(Array.from(classInterpolation(1, 1, 2, K)), [0, 1, 0, 0, 1, 0]);
  });
});
