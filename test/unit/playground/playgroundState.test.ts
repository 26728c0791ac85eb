/** The playground webview's bookkeeping without the DOM: chunked images, slider pacing, frame times, settings changes. */
import * as assert from 'node:assert/strict';
import { encodeFloat32 } from '../../../src/protocol/binary';
import { defaultSettings } from '../../../src/protocol/playgroundProtocol';
import {
  Images,
  ImagesMessage,
  LOST_FRAME_MS,
  receiveImages,
  RequestClock,
  settingsChange,
  singleHeading,
  sliderRows,
  wholeZoom,
  withEdit,
} from '../../../webview/playground/model/playgroundState';

const SIZE = 2; // 2x2 images: 4 values each

function chunk(seq: number, offset: number, values: number[], total: number): ImagesMessage {
  return { type: 'images', kind: 'grid', seq, offset, total, images: encodeFloat32(Float32Array.from(values)), computeMs: 5, hostMs: 1, columns: 2 };
}

describe('playground webview state', () => {
  it('assembles a grid from chunks, keeps the old images until replaced, and drops chunks of older requests', () => {
    const images: Partial<Record<'grid' | 'strip' | 'single', Images>> = {};
    const first = receiveImages(images, chunk(1, 0, [1, 1, 1, 1, 2, 2, 2, 2], 2), SIZE)!;
    assert.deepEqual([first.received, first.total, ...first.values], [2, 2, 1, 1, 1, 1, 2, 2, 2, 2]);
    const next = receiveImages(images, chunk(2, 1, [3, 3, 3, 3], 2), SIZE)!;
    assert.deepEqual([...next.values], [1, 1, 1, 1, 3, 3, 3, 3], 'image 0 is still the old one');
    assert.equal(next.received, 1);
    assert.equal(next.computeMs, 5);
    assert.equal(receiveImages(images, chunk(1, 0, [9, 9, 9, 9], 2), SIZE), undefined, 'out of date');
    const resized = receiveImages(images, chunk(3, 0, [4, 4, 4, 4], 3), SIZE)!;
    assert.deepEqual([...resized.values].slice(4), [0, 0, 0, 0, 0, 0, 0, 0], 'another size starts blank');
  });

  it('assembles colour images (3 values a pixel) from chunks', () => {
    const images: Partial<Record<'grid' | 'strip' | 'single', Images>> = {};
    const rgb = (v: number) => Array.from({ length: SIZE * SIZE * 3 }, () => v);
    receiveImages(images, chunk(1, 0, rgb(1), 2), SIZE, 3);
    const entry = receiveImages(images, chunk(1, 1, rgb(2), 2), SIZE, 3)!;
    assert.deepEqual([entry.received, entry.values.length, entry.values[11], entry.values[12]], [2, 24, 1, 2]);
  });

  it('keeps one slider frame in flight: the newest position waits and goes when the frame arrives', () => {
    let now = 0;
    const clock = new RequestClock(() => now);
    assert.deepEqual(clock.slide([[0, 1]], 0), { edits: [[0, 1]], seq: 1 });
    now = 10;
    assert.equal(clock.slide([[0, 2]], 10), undefined, 'waits');
    assert.equal(clock.slide([[0, 3]], 11), undefined, 'replaces the waiting one');
    now = 40;
    assert.deepEqual(clock.frameArrived(1), { edits: [[0, 3]], seq: 2 });
    assert.equal(clock.frameArrived(1), undefined, 'an older frame does not release the slider');
    now = 40 + LOST_FRAME_MS;
    assert.deepEqual(clock.slide([[0, 4]], now), { edits: [[0, 4]], seq: 3 }, 'a lost frame does not block for good');
  });

  it('measures frames from the input event and from the post, and reports each once', () => {
    let now = 100;
    const clock = new RequestClock(() => now);
    const seq = clock.next(90);
    assert.equal(clock.takeTimes(seq + 1), undefined);
    const times = clock.takeTimes(seq)!;
    assert.deepEqual(times, { started: 90, posted: 100 });
    assert.equal(clock.takeTimes(seq), undefined, 'forgotten once taken');
    now = 130;
    clock.record(times, now, 12, 3);
    assert.deepEqual([clock.frameTimes, clock.roundTrips, clock.computeTimes, clock.hostTimes], [[40], [30], [12], [3]]);
    assert.deepEqual(clock.report(), { ms: [40], renderMs: [30] });
    assert.equal(clock.report(), undefined);
    assert.equal(clock.nextUnposted(), 2);
    assert.equal(clock.takeTimes(2), undefined, 'a new seed is not a slider frame');
  });

  it('says what a settings message changes, builds the slider rows and applies a slider edit', () => {
    const before = defaultSettings(100);
    assert.deepEqual(settingsChange(undefined, before), { sliders: true, repaint: true });
    assert.deepEqual(settingsChange(before, { ...before, seed: 5 }), { sliders: false, repaint: false });
    assert.deepEqual(settingsChange(before, { ...before, mapping: 'minmax' }), { sliders: false, repaint: true });
    const edited = withEdit(before, 2, 1.5);
    assert.deepEqual(edited.edits, [[2, 1.5]]);
    assert.equal(singleHeading(edited), 'Sample 0 (edited)');
    assert.deepEqual(settingsChange(edited, before), { sliders: true, repaint: false }, 'edits reset');
    const latent = Array.from({ length: 100 }, (_, i) => i / 100);
    assert.equal(sliderRows(edited, { index: 1, latent }), undefined, 'the latent of another sample');
    const rows = sliderRows(edited, { index: 0, latent })!;
    assert.equal(rows.length, 6);
    assert.deepEqual(rows[2], { dim: 2, original: 0.02, value: 1.5, edited: true });
    assert.deepEqual(rows[3], { dim: 3, original: 0.03, value: 0.03, edited: false });
    assert.deepEqual([wholeZoom(3.7), wholeZoom(0.5)], [3, 0.5]);
  });
});
