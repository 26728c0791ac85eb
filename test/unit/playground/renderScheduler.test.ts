/** The playground's render queue: priorities, latest-wins, grid chunks sized to a time budget. */
import * as assert from 'node:assert/strict';
import { RenderJob, RenderOutput, RenderScheduler } from '../../../src/extension/playground/renderScheduler';
import type { RenderKind } from '../../../src/protocol/playgroundProtocol';

const L = 4;

interface Call {
  count: number;
  batchNorm: string;
  first: number;
  resolve: () => void;
}

/** A renderer whose calls wait until the test releases them, taking `msPerImage` each image. */
function fakeRenderer(msPerImage = 10) {
  const calls: Call[] = [];
  const render = (latents: Float32Array, batchNorm: string) =>
    new Promise<{ images: string; count: number; computeMs: number }>((resolve) => {
      const count = latents.length / L;
      calls.push({ count, batchNorm, first: latents[0], resolve: () => resolve({ images: `x${count}`, count, computeMs: count * msPerImage }) });
    });
  return { calls, render };
}

function job(kind: RenderKind, seq: number, count: number, batchNorm: 'eval' | 'train' = 'eval'): RenderJob {
  return { kind, seq, latents: Float32Array.from({ length: count * L }, (_, i) => seq * 1000 + Math.floor(i / L)), latentSize: L, batchNorm, columns: 8 };
}

const tick = () => new Promise((r) => setImmediate(r));

function recorder() {
  const results: RenderOutput[] = [];
  const busy: string[] = [];
  const errors: unknown[] = [];
  return { results, busy, errors, events: { result: (o: RenderOutput) => results.push(o), busy: (k: RenderKind, b: boolean) => busy.push(`${k}:${b}`), error: (_k: RenderKind, e: unknown) => errors.push(e) } };
}

describe('render scheduler (playground)', () => {
  it('runs one render at a time: the slider image before the strip before the grid', async () => {
    const { calls, render } = fakeRenderer();
    const r = recorder();
    const s = new RenderScheduler(render, r.events, 1000);
    s.submit(job('grid', 1, 16));
    await tick();
    s.submit(job('strip', 1, 8));
    s.submit(job('single', 1, 1));
    assert.equal(calls.length, 1, 'the grid already started');
    calls[0].resolve();
    await tick();
    assert.deepEqual(calls.map((c) => c.count), [16, 1], 'then the single image jumps the queue');
    calls[1].resolve();
    await tick();
    assert.deepEqual(calls.map((c) => c.count), [16, 1, 8]);
    calls[2].resolve();
    await tick();
    assert.deepEqual(r.results.map((o) => o.kind), ['grid', 'single', 'strip']);
    assert.ok(s.idle);
    assert.deepEqual(r.busy, ['grid:true', 'strip:true', 'single:true', 'grid:false', 'single:false', 'strip:false']);
  });

  it('keeps only the newest waiting slider frame, and still shows the frame being rendered', async () => {
    const { calls, render } = fakeRenderer();
    const r = recorder();
    const s = new RenderScheduler(render, r.events);
    s.submit(job('single', 1, 1));
    await tick();
    for (const seq of [2, 3, 4]) s.submit(job('single', seq, 1));
    calls[0].resolve();
    await tick();
    assert.equal(calls.length, 2, 'frames 2 and 3 were replaced before they started');
    assert.equal(calls[1].first, 4000);
    calls[1].resolve();
    await tick();
    assert.deepEqual(r.results.map((o) => o.seq), [1, 4]);
  });

  it('renders eval grids in chunks that fit the time budget, with offsets', async () => {
    const { calls, render } = fakeRenderer(10);
    const r = recorder();
    const s = new RenderScheduler(render, r.events, 100);
    s.submit(job('grid', 1, 64));
    for (let i = 0; i < 10 && !s.idle; i++) {
      await tick();
      calls[calls.length - 1].resolve();
      await tick();
    }
    assert.ok(s.idle);
    // The first chunk uses a guess (10 ms an image); then the measured time keeps chunks at 10 images.
    assert.deepEqual(calls.map((c) => c.count), [10, 10, 10, 10, 10, 10, 4]);
    assert.deepEqual(r.results.map((o) => o.offset), [0, 10, 20, 30, 40, 50, 60]);
    assert.ok(r.results.every((o) => o.total === 64 && o.seq === 1));
  });

  it('renders a train-mode grid as one batch (its statistics need every image)', async () => {
    const { calls, render } = fakeRenderer(10);
    const s = new RenderScheduler(render, recorder().events, 100);
    s.submit(job('grid', 1, 64, 'train'));
    await tick();
    assert.deepEqual(calls.map((c) => [c.count, c.batchNorm]), [[64, 'train']]);
  });

  it('restarts a grid that changes while its chunks render', async () => {
    const { calls, render } = fakeRenderer(10);
    const r = recorder();
    const s = new RenderScheduler(render, r.events, 100);
    s.submit(job('grid', 1, 30));
    await tick();
    s.submit(job('grid', 2, 30));
    calls[0].resolve();
    await tick();
    assert.equal(calls[1].first, 2000, 'the new grid starts from its first image');
    assert.deepEqual(r.results.map((o) => [o.seq, o.offset]), [[1, 0]]);
  });

  it('reports a failed render and carries on with the next', async () => {
    const r = recorder();
    let n = 0;
    const s = new RenderScheduler(async (latents) => {
      if (n++ === 0) throw new Error('boom');
      return { images: 'ok', count: latents.length / L, computeMs: 1 };
    }, r.events);
    s.submit(job('strip', 1, 4));
    s.submit(job('single', 1, 1));
    for (let i = 0; i < 5; i++) await tick();
    assert.equal((r.errors[0] as Error).message, 'boom');
    assert.deepEqual(r.results.map((o) => o.kind), ['single'], 'the strip failed, the single image after it rendered');
    assert.ok(r.busy.includes('strip:false') && r.busy.includes('single:false'));
  });

  it('does nothing after dispose', async () => {
    const { calls, render } = fakeRenderer();
    const r = recorder();
    const s = new RenderScheduler(render, r.events);
    s.submit(job('single', 1, 1));
    await tick();
    s.dispose();
    calls[0].resolve();
    await tick();
    s.submit(job('single', 2, 1));
    await tick();
    assert.equal(calls.length, 1);
    assert.deepEqual(r.results, []);
  });
});
