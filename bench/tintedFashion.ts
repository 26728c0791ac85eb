/**
 * Makes a folder of colour images from FashionMNIST, for trying `dataset: "folder"` with colour:
 * each item tinted by its class (T-shirts red, trousers blue, …) and written as a 28x28 PNG into
 * <out>/<class>/, with sharp. Then it times loading the folder as the trainer does: the first load
 * decodes every image, the second reads the decode cache.
 *
 *   npx tsx bench/tintedFashion.ts [--data DIR] [--out DIR] [--count N] [--cache DIR]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { CLASS_NAMES, locateDatasetFile, readImages, readLabels, TRAIN_IMAGES, TRAIN_LABELS } from '../src/trainer/data/fashionMnist';
import { loadImageFolder } from '../src/trainer/data/imageFolder';

/** One colour a class (RGB), bright enough to keep the garments' shading visible. */
export const CLASS_TINTS: readonly [number, number, number][] = [
  [255, 80, 80], // T-shirt/top: red
  [80, 140, 255], // Trouser: blue
  [255, 170, 40], // Pullover: orange
  [230, 90, 230], // Dress: magenta
  [120, 220, 90], // Coat: green
  [255, 230, 70], // Sandal: yellow
  [60, 220, 220], // Shirt: cyan
  [255, 255, 255], // Sneaker: white
  [190, 130, 80], // Bag: brown
  [160, 120, 255], // Ankle boot: violet
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, out: { type: 'string' }, count: { type: 'string' }, cache: { type: 'string' } },
  });
  const out = path.resolve(values.out ?? 'tinted-fashion');
  const count = Number(values.count ?? 2000);
  const locate = { dataDirs: values.data ? [path.resolve(values.data)] : [], offline: true };
  const images = readImages((await locateDatasetFile(TRAIN_IMAGES, locate)).file);
  const labels = readLabels((await locateDatasetFile(TRAIN_LABELS, locate)).file, TRAIN_LABELS);
  const n = Math.min(count, images.count);
  const area = 28 * 28;
  for (let i = 0; i < n; i++) {
    const tint = CLASS_TINTS[labels[i]];
    const rgb = Buffer.alloc(area * 3);
    for (let p = 0; p < area; p++) {
      const v = images.pixels[i * area + p] / 255;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(v * tint[c]);
    }
    fs.mkdirSync(out, { recursive: true });
    const name = `${String(i).padStart(5, '0')}-${CLASS_NAMES[labels[i]].replace(/\W+/g, '-').toLowerCase()}.png`;
    await sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } }).png().toFile(path.join(out, name));
  }
  console.log(`Wrote ${n} tinted images into ${out}`);
  const cacheDir = path.resolve(values.cache ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gan-studio-decode-cache-')));
  const first = await loadImageFolder(out, 32, { cacheDir });
  const second = await loadImageFolder(out, 32, { cacheDir });
  console.log(`Load 1 (decode with sharp): ${first.count} images in ${first.decodeSec.toFixed(2)} s (${((first.decodeSec * 1000) / first.count).toFixed(2)} ms an image), cache ${first.cache?.hit ? 'hit' : 'written'}`);
  console.log(`Load 2 (decode cache):      ${second.count} images in ${second.decodeSec.toFixed(3)} s, cache ${second.cache?.hit ? 'hit' : 'missed'} (${second.cache?.file})`);
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
