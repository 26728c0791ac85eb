/** What the inspector says about a grid file that is not a valid PNG. */
import * as assert from 'node:assert/strict';
import { checkPng, PngProblem } from '../../../src/extension/inspector/pngCheck';
import { encodeGrayPng } from '../../../src/trainer/image/png';

const HINT = 'delete it';

function grid(): Buffer {
  const pixels = Uint8Array.from({ length: 274 * 274 }, (_, i) => i % 251);
  return encodeGrayPng(274, 274, pixels, { Step: '500', Epoch: '1', Run: 'r' });
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function problem(bytes: Uint8Array): string {
  try {
    checkPng(bytes, 'step-000500.grid.png', HINT);
  } catch (error) {
    assert.ok(error instanceof PngProblem);
    assert.equal(error.hint, HINT);
    return error.message;
  }
  throw new Error('no problem found');
}

describe('PNG check (grid inspector)', () => {
  it('reads the size and the step and epoch of a sample grid', () => {
    const info = checkPng(grid(), 'g', HINT);
    assert.deepEqual([info.width, info.height, info.bitDepth, info.colorType, info.interlaced], [274, 274, 8, 0, false]);
    assert.deepEqual(info.text, { Step: '500', Epoch: '1', Run: 'r' });
  });

  it('names what is wrong with a damaged file', () => {
    const good = grid();
    assert.match(problem(new Uint8Array()), /step-000500\.grid\.png is not a valid PNG: the file is empty/);
    assert.match(problem(Buffer.from('GIF89a not a png at all')), /does not start with the PNG signature/);
    assert.match(problem(good.subarray(0, good.length - 40)), /truncated/);
    const flipped = Buffer.from(good);
    flipped[good.length - 30] ^= 0xff; // inside the IDAT data
    assert.match(problem(flipped), /IDAT chunk at byte \d+ fails its checksum/);
    const noEnd = good.subarray(0, good.length - 12);
    assert.match(problem(noEnd), /no IEND chunk/);
  });

  it('notices image data that does not decompress to the promised size', () => {
    const small = encodeGrayPng(10, 10, new Uint8Array(100));
    // Claim a larger image in IHDR (and fix its CRC) so only the data size gives it away.
    const forged = Buffer.from(small);
    forged.writeUInt32BE(20, 16);
    forged.writeUInt32BE(20, 20);
    forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
    assert.match(problem(forged), /image data holds 110 bytes, 420 expected for 20x20/);
  });
});
