/** The playground's host logic against a fake generator: what it sends, renders, copies and saves. */
import * as assert from 'node:assert/strict';
import { Generator, GeneratorError } from '../../../src/extension/playground/generatorClient';
import { PlaygroundActions, PlaygroundSession } from '../../../src/extension/playground/playgroundSession';
import { decodeFloat32, encodeFloat32 } from '../../../src/protocol/binary';
import type { BatchNormMode, GeneratorInfo } from '../../../src/protocol/generatorProtocol';
import { parseLatent } from '../../../src/protocol/latent';
import type { HostToPlayground } from '../../../src/protocol/playgroundProtocol';

const L = 3;

/** Each latent's image is 4 pixels equal to the latent's first value (so outputs show which latent made them). */
class FakeGenerator implements Generator {
  renders: { count: number; batchNorm: BatchNormMode; firsts: number[] }[] = [];
  saved: unknown[] = [];
  failLoad: GeneratorError | undefined;
  disposed = false;
  async load(): Promise<GeneratorInfo> {
    if (this.failLoad) throw this.failLoad;
    const fixed = Float32Array.from({ length: 4 * L }, (_, i) => 100 + Math.floor(i / L));
    return {
      runId: 'run-1', checkpointId: 'step-000008', step: 8, epoch: 2, latentSize: L, featureSize: 8, imageSize: 2, channels: 1,
      fixedNoise: encodeFloat32(fixed), sampleCount: 4, seed: 42, backend: { name: 'cpu', detail: 'fake', skipped: [] },
    };
  }
  async latents(seed: number, count: number): Promise<Float32Array> {
    return Float32Array.from({ length: count * L }, (_, i) => seed * 1000 + Math.floor(i / L) + (i % L) / 10);
  }
  async render(latents: Float32Array, batchNorm: BatchNormMode) {
    const count = latents.length / L;
    const firsts = Array.from({ length: count }, (_, i) => latents[i * L]);
    this.renders.push({ count, batchNorm, firsts });
    return { images: encodeFloat32(Float32Array.from({ length: count * 4 }, (_, i) => firsts[Math.floor(i / 4)])), count, computeMs: 1 };
  }
  async saveGrid(params: Parameters<Generator['saveGrid']>[0]) {
    this.saved.push(params);
    return { file: params.file, width: 10, height: 10 };
  }
  async exportModel(): Promise<never> {
    throw new Error('not used');
  }
  async dispose() {
    this.disposed = true;
  }
}

function harness(generator = new FakeGenerator()) {
  const posted: HostToPlayground[] = [];
  const copied: { text: string; what: string }[] = [];
  const logs: string[] = [];
  const exported: string[] = [];
  const actions: PlaygroundActions = {
    post: (m) => posted.push(m),
    copy: async (text, what) => void copied.push({ text, what }),
    chooseGridFile: async (name) => `/tmp/${name}`,
    saved: () => undefined,
    exportGenerator: async (dir) => void exported.push(dir),
    log: (line) => logs.push(line),
    randomSeed: () => 777,
  };
  const session = new PlaygroundSession({ checkpointDir: '/runs/r/checkpoints/step-000008', runName: 'smoke run', backend: 'cpu' }, generator, actions);
  return { session, generator, posted, copied, logs, exported };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

function imagesOf(posted: HostToPlayground[], kind: string) {
  return posted.filter((m): m is Extract<HostToPlayground, { type: 'images' }> => m.type === 'images' && m.kind === kind);
}

describe('playground session (fake generator)', () => {
  it('on ready sends the checkpoint, the settings and the selected latent, then renders single, strip and grid', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await settle();
    const types = h.posted.map((m) => m.type);
    assert.deepEqual(types.slice(0, 4), ['loading', 'info', 'settings', 'selection']);
    const info = h.posted.find((m) => m.type === 'info') as Extract<HostToPlayground, { type: 'info' }>;
    assert.deepEqual([info.info.runName, info.info.step, info.info.latentSize, info.info.backend], ['smoke run', 8, L, 'cpu: fake']);
    const selection = h.posted.find((m) => m.type === 'selection') as Extract<HostToPlayground, { type: 'selection' }>;
    assert.deepEqual(selection.latent.map((v) => Number(v.toFixed(3))), [1000, 1000.1, 1000.2], 'sample 0 of seed 1');
    assert.deepEqual(h.generator.renders.map((r) => [r.count, r.batchNorm]), [[1, 'eval'], [8, 'eval'], [64, 'eval']]);
    const grid = imagesOf(h.posted, 'grid')[0];
    assert.deepEqual([grid.total, grid.columns, grid.offset], [64, 8, 0]);
    const strip = decodeFloat32(imagesOf(h.posted, 'strip')[0].images);
    assert.equal(strip[0], 1000, 'the strip starts at sample A = 0');
    assert.equal(strip[strip.length - 1], 1001, 'and ends at sample B = 1');
    assert.ok(h.logs[0].includes('step-000008 on cpu'));
  });

  it('a slider move renders one image in eval mode with the edited latent, echoing the webview’s sequence number', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await settle();
    h.generator.renders = [];
    const settingsBefore = h.posted.filter((m) => m.type === 'settings').length;
    await h.session.onMessage({ type: 'slide', edits: [[0, 2.5]], seq: 41 });
    await settle();
    assert.equal(h.posted.filter((m) => m.type === 'settings').length, settingsBefore, 'a valid slider move is not echoed');
    assert.deepEqual(h.session.currentSettings?.edits, [[0, 2.5]]);
    assert.deepEqual(h.generator.renders, [{ count: 1, batchNorm: 'eval', firsts: [2.5] }]);
    const single = imagesOf(h.posted, 'single').pop()!;
    assert.equal(single.seq, 41);
    assert.equal(decodeFloat32(single.images)[0], 2.5);
    await h.session.onMessage({ type: 'update', patch: { edits: [] }, seq: 42 });
    const reset = h.posted.filter((m): m is Extract<HostToPlayground, { type: 'settings' }> => m.type === 'settings').pop()!;
    assert.deepEqual(reset.settings.edits, [], 'Reset is an ordinary change and is echoed');
  });

  it('switching to the run’s fixed noise and train mode renders that batch in train mode', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await settle();
    h.generator.renders = [];
    await h.session.onMessage({ type: 'update', patch: { source: 'fixed', batchNorm: 'train' }, seq: 2 });
    await settle();
    const grid = h.generator.renders.find((r) => r.count === 4)!;
    assert.deepEqual(grid, { count: 4, batchNorm: 'train', firsts: [100, 101, 102, 103] });
    assert.ok(h.generator.renders.filter((r) => r !== grid).every((r) => r.batchNorm === 'eval'), 'strip and slider stay in eval mode');
  });

  it('a new random seed comes from the injected source', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await h.session.onMessage({ type: 'randomSeed', seq: 3 });
    await settle();
    assert.equal(h.session.currentSettings?.seed, 777);
    assert.ok(h.generator.renders.some((r) => r.firsts[0] === 777000));
  });

  it('copies a sample’s latent (and the edited one) as a JSON array', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await h.session.onMessage({ type: 'copyLatent', target: { kind: 'sample', index: 2 } });
    assert.equal(h.copied[0].what, 'the latent vector of sample 2');
    assert.deepEqual(Array.from(parseLatent(h.copied[0].text, L)), Array.from(Float32Array.from([1002, 1002.1, 1002.2])));
    await h.session.onMessage({ type: 'update', patch: { edits: [[1, -1.25]] }, seq: 5 });
    await h.session.onMessage({ type: 'copyLatent', target: { kind: 'edited' } });
    assert.equal(h.copied[1].what, 'the latent vector of sample 0 with the slider edits');
    assert.equal(parseLatent(h.copied[1].text, L)[1], -1.25);
    await h.session.onMessage({ type: 'copyLatent', target: { kind: 'sample', index: 999 } });
    assert.equal(h.copied.length, 2, 'an index outside the grid copies nothing');
  });

  it('saves the current grid with its settings recorded in the PNG', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await h.session.onMessage({ type: 'update', patch: { count: 16, seed: 5 }, seq: 1 });
    await h.session.onMessage({ type: 'saveGrid' });
    const saved = h.generator.saved[0] as { file: string; latents: Float32Array; batchNorm: string; columns: number; text: Record<string, string> };
    assert.equal(saved.file, '/tmp/smoke-run-step-000008-seed5-eval.png');
    assert.equal(saved.latents.length, 16 * L);
    assert.equal(saved.columns, 4);
    assert.equal(saved.text.Latents, 'seed 5, 16 vectors');
    assert.equal(saved.text.BatchNorm, 'running statistics (eval)');
  });

  it('a checkpoint that does not load is a fatal error with its hint; retry loads again', async () => {
    const generator = new FakeGenerator();
    generator.failLoad = new GeneratorError({ message: 'Checkpoint step-000008 is truncated or damaged (tensor G/0/weight).', hint: 'Open another checkpoint of the run.' });
    const h = harness(generator);
    await h.session.onMessage({ type: 'ready' });
    const error = h.posted.find((m) => m.type === 'error') as Extract<HostToPlayground, { type: 'error' }>;
    assert.deepEqual(error, { type: 'error', problem: { message: 'Checkpoint step-000008 is truncated or damaged (tensor G/0/weight).', hint: 'Open another checkpoint of the run.' }, fatal: true });
    generator.failLoad = undefined;
    await h.session.onMessage({ type: 'retry' });
    await settle();
    assert.ok(h.posted.some((m) => m.type === 'info'));
  });

  it('logs measured frame times and hands export to VS Code; dispose stops the generator', async () => {
    const h = harness();
    await h.session.onMessage({ type: 'ready' });
    await h.session.onMessage({ type: 'frameTimes', kind: 'single', ms: [30, 10, 20, 40, 50], renderMs: [20, 5, 15, 25, 35] });
    assert.match(h.logs.pop()!, /single frames \(5\): render and show median 20 ms, 90th percentile 35 ms, max 35 ms; from the slider median 30 ms/);
    await h.session.onMessage({ type: 'exportGenerator' });
    assert.deepEqual(h.exported, ['/runs/r/checkpoints/step-000008']);
    await h.session.dispose();
    assert.ok(h.generator.disposed);
  });
});
