/** A minimal PNG encoder and decoder for 8-bit grey and RGB images (the sample grids). */
import * as zlib from 'node:zlib';
import { crc32 } from '../../common/crc32';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Text chunks let a grid carry its step and epoch (read by the inspector). */
export function encodeGrayPng(width: number, height: number, pixels: Uint8Array, text: Record<string, string> = {}): Buffer {
  return encodePng(width, height, pixels, 1, text);
}

/** An 8-bit grey (channels 1) or RGB (channels 3, interleaved) PNG. */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 1 | 3 | number, text: Record<string, string> = {}): Buffer {
  if (channels !== 1 && channels !== 3) throw new Error(`PNG grids have 1 or 3 channels, not ${channels}`);
  if (pixels.length !== width * height * channels) throw new Error(`PNG data has ${pixels.length} values, expected ${width}x${height}x${channels}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 3 ? 2 : 0; // truecolour or greyscale
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = 0; // filter: none
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const texts = Object.entries(text).map(([k, v]) => chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1')));
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), ...texts, chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export interface DecodedPng {
  width: number;
  height: number;
  pixels: Uint8Array;
  text: Record<string, string>;
}

/** Decodes the 8-bit grayscale, non-interlaced PNGs this encoder writes (filter type 0 only). */
export function decodeGrayPng(png: Buffer): DecodedPng {
  const decoded = decodePng(png);
  if (decoded.channels !== 1) throw new Error('Only 8-bit grayscale non-interlaced PNGs are supported');
  return { width: decoded.width, height: decoded.height, pixels: decoded.pixels, text: decoded.text };
}

/** Decodes the 8-bit grey or RGB, non-interlaced PNGs this encoder writes (filter type 0 only). */
export function decodePng(png: Buffer): DecodedPng & { channels: 1 | 3 } {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('Not a PNG file');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels: 1 | 3 = 1;
  const idat: Buffer[] = [];
  const text: Record<string, string> = {};
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || (data[9] !== 0 && data[9] !== 2) || data[12] !== 0) throw new Error('Only 8-bit grey or RGB non-interlaced PNGs are supported');
      channels = data[9] === 2 ? 3 : 1;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'tEXt') {
      const zero = data.indexOf(0);
      text[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
    }
    offset += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error('Unsupported PNG filter');
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, pixels, text, channels };
}
