/**
 * Reads a PNG's header and checks the whole file (chunk structure, CRCs, that the image data
 * decompresses to the size the header promises), so the inspector can say exactly what is wrong
 * with a grid that does not display. Node only (zlib); no vscode import.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '../../common/crc32';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface PngInfo {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
  /** tEXt chunks (the sample grids carry Step, Epoch and Run). */
  text: Record<string, string>;
}

export class PngProblem extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'PngProblem';
  }
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Checks `bytes` as a PNG; throws PngProblem naming what is wrong. `name` is used in messages.
 * `hint` says what the user can do about a damaged file.
 */
export function checkPng(bytes: Uint8Array, name: string, hint: string): PngInfo {
  const damaged = (what: string) => new PngProblem(`${name} is not a valid PNG: ${what}.`, hint);
  if (bytes.length === 0) throw damaged('the file is empty');
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw damaged('it does not start with the PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: Omit<PngInfo, 'text'> | undefined;
  const idat: Uint8Array[] = [];
  const text: Record<string, string> = {};
  let ended = false;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length) throw damaged(`it is truncated (a chunk header at byte ${offset} is cut off)`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (offset + 12 + length > bytes.length) throw damaged(`it is truncated (the ${type} chunk at byte ${offset} needs ${length} bytes)`);
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = view.getUint32(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== crc) throw damaged(`the ${type} chunk at byte ${offset} fails its checksum (the file was altered or only partly written)`);
    if (!header && type !== 'IHDR') throw damaged('the first chunk is not IHDR');
    if (type === 'IHDR') {
      if (length !== 13) throw damaged('the IHDR chunk has the wrong size');
      header = {
        width: view.getUint32(offset + 8),
        height: view.getUint32(offset + 12),
        bitDepth: body[8],
        colorType: body[9],
        interlaced: body[12] === 1,
      };
      if (header.width === 0 || header.height === 0) throw damaged(`its size is ${header.width}x${header.height}`);
      if (!(body[9] in CHANNELS)) throw damaged(`its colour type ${body[9]} is unknown`);
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'tEXt') {
      const zero = body.indexOf(0);
      if (zero > 0) text[latin1(body.subarray(0, zero))] = latin1(body.subarray(zero + 1));
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset += 12 + length;
  }
  if (!header) throw damaged('it has no IHDR chunk');
  if (idat.length === 0) throw damaged('it has no image data (IDAT)');
  if (!ended) throw damaged('it is truncated (no IEND chunk)');
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(idat));
  } catch (error) {
    throw damaged(`its image data does not decompress (${(error as Error).message})`);
  }
  if (!header.interlaced) {
    const bitsPerPixel = header.bitDepth * CHANNELS[header.colorType];
    const expected = header.height * (1 + Math.ceil((header.width * bitsPerPixel) / 8));
    if (raw.length < expected) throw damaged(`its image data holds ${raw.length} bytes, ${expected} expected for ${header.width}x${header.height}`);
  }
  return { ...header, text };
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}
