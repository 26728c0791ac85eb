/** Small pure helpers: metric tables, colours, grid layout, GIF encoding. */
import * as assert from 'node:assert/strict';
import { columnsLength, MetricTable } from '../../../src/protocol/metricTable';
import { parseColor, withAlpha } from '../../../webview/dashboard/model/color';
import { encodeGif, grayIndices, spread } from '../../../webview/dashboard/model/gif';
import { firstRowCells, gridDisplayWidth, stripScale } from '../../../webview/dashboard/model/gridLayout';
import { syntheticRecords } from '../../fixtures/runFixtures';

describe('dashboard: metric table', () => {
  it('grows by doubling and slices copies', () => {
    const t = new MetricTable(2);
    t.appendRecords(syntheticRecords(5));
    assert.equal(t.length, 5);
    assert.ok(t.capacity >= 5);
    const tail = t.slice(3);
    assert.equal(columnsLength(tail), 2);
    assert.equal(tail.step[0], 3);
    t.appendColumns(tail);
    assert.equal(t.length, 7);
    assert.equal(t.last('step'), 4);
    tail.step[0] = 99;
    assert.equal(t.column('step')[5], 3, 'a slice is a copy');
  });

  it('sends steps and times as 64-bit floats and the values as 32-bit floats', () => {
    const t = new MetricTable();
    t.appendRecords(syntheticRecords(3));
    const wire = t.wire(1);
    assert.ok(wire.step instanceof Float64Array && wire.time instanceof Float64Array);
    assert.ok(wire.lossD instanceof Float32Array && wire.dFake instanceof Float32Array);
    assert.equal(wire.lossG.length, 2);
    assert.equal(wire.lossG[0], Math.fround(t.column('lossG')[1]));
    const back = new MetricTable();
    back.appendColumns(wire);
    assert.equal(back.column('time')[1], t.column('time')[2], 'Unix times stay exact');
  });

  it('rejects ragged columns', () => {
    const t = new MetricTable();
    const c = t.slice(0);
    c.lossD = new Float64Array(3);
    assert.throws(() => t.appendColumns(c), /lossD/);
  });

  it('keeps missing optional fields as NaN', () => {
    const t = new MetricTable();
    t.appendRecords([{ step: 1, lossD: 1, lossG: 2 } as never]);
    assert.ok(Number.isNaN(t.column('dReal')[0]));
  });
});

describe('dashboard: colours', () => {
  it('parses theme colours and adds alpha', () => {
    assert.deepEqual(parseColor('#3794ff'), [55, 148, 255, 1]);
    assert.deepEqual(parseColor('#fff8'), [255, 255, 255, 0x88 / 255]);
    assert.deepEqual(parseColor('rgba(1, 2, 3, 0.5)'), [1, 2, 3, 0.5]);
    assert.equal(withAlpha('#000000', 0.25), 'rgba(0, 0, 0, 0.25)');
    assert.equal(withAlpha('#00000080', 0.5), 'rgba(0, 0, 0, 0.251)');
    assert.equal(withAlpha('red', 0.5), 'red');
  });
});

describe('dashboard: grid layout', () => {
  it('scales grids by whole pixels', () => {
    assert.equal(gridDisplayWidth(274, 900), 822);
    assert.equal(gridDisplayWidth(274, 900, 600), 548);
    assert.equal(gridDisplayWidth(274, 200), 200, 'too narrow: shrinks');
    assert.equal(gridDisplayWidth(274, 5000, Infinity, 4), 1096);
  });

  it('finds the first row of a make_grid picture', () => {
    const cells = firstRowCells(274);
    assert.equal(cells.length, 8);
    assert.deepEqual(cells[1], { x: 36, y: 2, size: 32 });
    assert.equal(firstRowCells(2 + 3 * 34).length, 3);
    assert.equal(stripScale(280), 1);
    assert.equal(stripScale(900), 3);
  });
});

describe('dashboard: GIF', () => {
  it('encodes gray frames with a gray palette, looping', () => {
    const w = 4;
    const h = 2;
    const frame = (v: number) => ({ width: w, height: h, rgba: new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : v)), delay: 500 });
    assert.deepEqual([...grayIndices(frame(7).rgba)!], Array(8).fill(7));
    const gif = encodeGif([frame(0), frame(128), frame(255)]);
    assert.equal(Buffer.from(gif.subarray(0, 6)).toString('latin1'), 'GIF89a');
    assert.ok(Buffer.from(gif).includes(Buffer.from('NETSCAPE2.0')), 'loops');
    let controls = 0;
    for (let i = 0; i < gif.length - 1; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9) controls++;
    assert.equal(controls, 3, 'three frames');
  });

  it('spreads the frames of a long run evenly, keeping the first and the last', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const picked = spread(items, 240);
    assert.equal(picked.length, 240);
    assert.equal(picked[0], 0);
    assert.equal(picked[239], 999);
    for (let i = 1; i < picked.length; i++) assert.ok(picked[i] > picked[i - 1]);
    assert.deepEqual(spread([1, 2, 3], 240), [1, 2, 3]);
  });

  it('falls back to a quantised palette for colour, and refuses no frames', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 0, 255, 255]);
    assert.equal(grayIndices(rgba), undefined);
    assert.ok(encodeGif([{ width: 2, height: 1, rgba, delay: 100 }]).length > 20);
    assert.throws(() => encodeGif([]), /no sample grids/);
  });
});
