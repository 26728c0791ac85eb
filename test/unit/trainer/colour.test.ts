/** Colour in the pure parts: the DCGAN with 3 channels, RGB grids and PNGs, the inspector's pixel readout, the language server's new keys. */
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { composeGrid, toPixels } from '../../../src/protocol/gridLayout';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { complete, diagnose, hover, summary } from '../../../src/server/experimentService';
import { selectBackend } from '../../../src/trainer/backend/select';
import { makeGrid } from '../../../src/trainer/image/grid';
import { decodeGrayPng, decodePng, encodePng } from '../../../src/trainer/image/png';
import { buildDcgan, latentTensor } from '../../../src/trainer/model/dcgan';
import { Rng } from '../../../src/trainer/rng';
import { pixelText } from '../../../webview/inspector/model/inspectorState';
import { buildColumns, filterRows } from '../../../webview/runsTable/model/table';
import { sweep } from '../runsTable/fixtures';

const at = (text: string, needle: string, delta = 1) => text.indexOf(needle) + delta;

describe('colour', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('builds the reference DCGAN for 3 channels: only the first layer of D and the last of G grow', () => {
    const ref = presetConfig('reference');
    const model = buildDcgan(ref.latentSize, ref.featureSize, new Rng(42), { channels: 3 });
    try {
      // G's last layer: 4x4x64 weights per output channel; D's first: 4x4x64 per input channel.
      assert.equal(model.generator.trainableParameterCount(), 1066880 + 2 * 4 * 4 * 64);
      assert.equal(model.discriminator.trainableParameterCount(), 661248 + 2 * 4 * 4 * 64);
      const out = tf.tidy(() => model.generator.forward(latentTensor(new Float32Array(2 * 100), 100), 'eval'));
      assert.deepEqual(out.shape, [2, 32, 32, 3]);
      const logits = tf.tidy(() => model.discriminator.forward(out, 'eval'));
      assert.deepEqual(logits.shape, [2, 1, 1, 1]);
      tf.dispose([out, logits]);
    } finally {
      model.generator.dispose();
      model.discriminator.dispose();
    }
  });

  it('composes RGB grids with black padding and writes and reads them as RGB PNGs', () => {
    const images = new Float32Array(2 * 2 * 2 * 3);
    for (let i = 0; i < images.length; i += 3) images.set([1, -1, 0], i); // all pixels: R high, G low, B mid
    const grid = makeGrid(images, 2, 2, 1, 3);
    assert.deepEqual([grid.width, grid.height, grid.channels, grid.pixels.length], [7, 4, 3, 7 * 4 * 3]);
    assert.deepEqual(Array.from(grid.pixels.subarray(0, 3)), [0, 0, 0], 'padding is black');
    assert.deepEqual(Array.from(grid.pixels.subarray((1 * 7 + 1) * 3, (1 * 7 + 1) * 3 + 3)), [255, 0, 128]);
    const png = encodePng(grid.width, grid.height, grid.pixels, 3, { Step: '5' });
    const decoded = decodePng(png);
    assert.deepEqual([decoded.width, decoded.height, decoded.channels, decoded.text.Step], [7, 4, 3, '5']);
    assert.deepEqual(decoded.pixels, grid.pixels);
    assert.throws(() => decodeGrayPng(png), /grayscale/);
    const grey = composeGrid(toPixels(new Float32Array([-1, 1, 1, -1]), 'fixed'), 2, 8, 2);
    assert.equal(decodePng(encodePng(grey.geometry.width, grey.geometry.height, grey.pixels, 1)).channels, 1);
  });

  it('reads out a pixel as grey or RGB', () => {
    assert.equal(pixelText(3, 4, 128, 128, 128), 'pixel (3, 4): grey 128');
    assert.equal(pixelText(0, 9, 255, 80, 80), 'pixel (0, 9): RGB 255, 80, 80');
  });

  it('the language server validates, hovers and completes dataset, datasetPath and channels', () => {
    const text = '{ "dataset": "folder", "datasetPath": "images", "channels": 3 }';
    assert.deepEqual(diagnose(text), []);
    assert.match(hover(text, at(text, '"dataset"'))!.markdown, /\*\*dataset\*\* — Training data: fashion-mnist/);
    assert.match(hover(text, at(text, '"channels"'))!.markdown, /Reference lesson: `null`/);
    assert.match(summary(text) ?? '', /folder images \(RGB\)/);
    const missing = diagnose('{ "dataset": "folder" }');
    assert.match(missing[0].message, /needs "datasetPath"/);
    assert.match(diagnose('{ "channels": 4 }')[0].message, /must be 1 or 3/);
    const values = '{ "dataset": "" }';
    assert.deepEqual(complete(values, at(values, '""')).map((c) => c.label), ['fashion-mnist', 'mnist', 'kmnist', 'cifar10', 'folder']);
    const channels = '{ "channels":  }';
    assert.deepEqual(complete(channels, at(channels, ':  ', 2)).map((c) => [c.label, c.detail]), [['1', 'grey'], ['3', 'RGB colour'], ['null', "the data set's own"]]);
    const key = complete('{ "" }', 3).find((c) => c.label === 'channels')!;
    assert.equal(key.insertText, '"channels": ${1|null,1,3|}');
  });

  it('the runs table shows the data set and channels as config columns, filterable as data and ch', () => {
    const rows = sweep();
    rows[4] = { ...rows[4], config: { ...rows[4].config, dataset: 'folder', datasetPath: '/images/tinted', channels: 3 } };
    const ids = buildColumns(rows).map((c) => c.id);
    for (const key of ['config.dataset', 'config.datasetPath', 'config.channels']) assert.ok(ids.includes(key), `${key} in ${ids.join(', ')}`);
    assert.deepEqual(filterRows(rows, buildColumns(rows), '', 'data = folder and ch = 3').map((r) => r.name), ['c1']);
  });
});
