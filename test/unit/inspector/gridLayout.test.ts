/** Grid geometry (make_grid's layout), cell hit-testing, grid composition and pixel mapping. */
import * as assert from 'node:assert/strict';
import { cellAt, cellRect, columnsFor, composeGrid, detectGrid, layoutGrid, toPixels } from '../../../src/protocol/gridLayout';
import { fitZoom, nearestStepIndex, stepZoom, ZOOM_LEVELS } from '../../../src/protocol/inspectorProtocol';
import { makeGrid } from '../../../src/trainer/image/grid';

describe('grid layout and hit-testing', () => {
  it('lays out 64 images of 32 px as the sample grids: 274 x 274', () => {
    const g = layoutGrid(64, 32);
    assert.deepEqual([g.columns, g.rows, g.width, g.height], [8, 8, 274, 274]);
    assert.deepEqual(cellRect(g, 0), { x: 2, y: 2, size: 32 });
    assert.deepEqual(cellRect(g, 9), { x: 36, y: 36, size: 32 });
    assert.deepEqual(cellRect(g, 63), { x: 240, y: 240, size: 32 });
  });

  it('finds the cell under a pixel, and none over padding, outside or in the empty slots of a partial last row', () => {
    const g = layoutGrid(64, 32);
    assert.equal(cellAt(g, 2, 2), 0);
    assert.equal(cellAt(g, 33.9, 33.9), 0, 'fractional positions (a mouse divided by the zoom)');
    assert.equal(cellAt(g, 34, 10), undefined, 'the padding between columns');
    assert.equal(cellAt(g, 36, 36), 9);
    assert.equal(cellAt(g, 1, 1), undefined, 'the outer padding');
    assert.equal(cellAt(g, 271.5, 271.5), 63);
    assert.equal(cellAt(g, 272, 100), undefined);
    assert.equal(cellAt(g, -1, 5), undefined);
    assert.equal(cellAt(g, 274, 5), undefined);
    const partial = layoutGrid(20, 32); // 8 + 8 + 4
    assert.deepEqual([partial.columns, partial.rows], [8, 3]);
    assert.equal(cellAt(partial, 2 + 3 * 34, 2 + 2 * 34), 19);
    assert.equal(cellAt(partial, 2 + 4 * 34, 2 + 2 * 34), undefined, 'slot 20 is empty');
    const narrow = layoutGrid(3, 32);
    assert.deepEqual([narrow.columns, narrow.width], [3, 104], 'fewer images than columns: as wide as the images');
    assert.throws(() => layoutGrid(0, 32), /at least one image/);
  });

  it('recognises a grid from its size, and nothing from another size', () => {
    assert.deepEqual(detectGrid(274, 274, 32, 64), layoutGrid(64, 32));
    assert.equal(detectGrid(274, 274, 32, 16), undefined, 'a grid of 16 would be 274 x 70');
    assert.deepEqual(detectGrid(274, 70, 32, 16), layoutGrid(16, 32));
    assert.equal(detectGrid(300, 200, 32, 64), undefined);
    assert.deepEqual(detectGrid(546, 546, 32, 256, 2)?.columns, 16);
  });

  it('composes a grid exactly like the trainer’s make_grid', () => {
    const images = Float32Array.from({ length: 20 * 32 * 32 }, (_, i) => Math.sin(i * 0.37) * 0.9);
    const reference = makeGrid(images, 32);
    const { geometry, pixels } = composeGrid(toPixels(images, 'minmax'), 32);
    assert.deepEqual([geometry.width, geometry.height], [reference.width, reference.height]);
    assert.deepEqual(pixels, reference.pixels);
  });

  it('maps outputs to grey levels: fixed keeps −1 black and 1 white; min-max stretches the batch', () => {
    const values = new Float32Array([-1, 0, 1, 2, -3]);
    assert.deepEqual(Array.from(toPixels(values, 'fixed')), [0, 128, 255, 255, 0]);
    assert.deepEqual(Array.from(toPixels(new Float32Array([-0.5, 0.5]), 'minmax')), [0, 255]);
    assert.deepEqual(Array.from(toPixels(new Float32Array([0.3, 0.3]), 'minmax')), [0, 0], 'a constant batch is black, as torchvision');
  });

  it('picks a square-ish number of columns', () => {
    assert.deepEqual([1, 4, 16, 36, 64, 100, 256].map((n) => columnsFor(n)), [1, 2, 4, 6, 8, 10, 16]);
    assert.equal(columnsFor(8, 16), 3);
  });
});

describe('inspector look-ups', () => {
  const steps = [0, 500, 1000, 1500, 1999].map((step) => ({ step }));

  it('finds the grid at the nearest step (ties to the earlier)', () => {
    assert.equal(nearestStepIndex([], 5), -1);
    assert.equal(nearestStepIndex(steps, -10), 0);
    assert.equal(nearestStepIndex(steps, 0), 0);
    assert.equal(nearestStepIndex(steps, 249), 0);
    assert.equal(nearestStepIndex(steps, 250), 0, 'tie');
    assert.equal(nearestStepIndex(steps, 251), 1);
    assert.equal(nearestStepIndex(steps, 1000), 2);
    assert.equal(nearestStepIndex(steps, 1800), 4);
    assert.equal(nearestStepIndex(steps, 1e9), 4);
  });

  it('fits whole-number zooms when the image fits at 1:1, fractions when it does not', () => {
    assert.equal(fitZoom(274, 274, 900, 600), 2);
    assert.equal(fitZoom(274, 274, 274, 274), 1);
    assert.equal(fitZoom(274, 274, 137, 600), 0.5);
    assert.equal(fitZoom(274, 274, 0, 600), 1, 'no box yet');
  });

  it('steps through zoom levels both ways and stops at the ends', () => {
    assert.equal(stepZoom(1, 1), 2);
    assert.equal(stepZoom(2, -1), 1);
    assert.equal(stepZoom(2.6, 1), 3, 'from a fitted fraction to the next level');
    assert.equal(stepZoom(2.6, -1), 2);
    assert.equal(stepZoom(32, 1), 32);
    assert.equal(stepZoom(0.25, -1), 0.25);
    assert.ok(ZOOM_LEVELS.filter((z) => z >= 1).every(Number.isInteger), 'zooms above 1 are pixel-exact');
  });
});
