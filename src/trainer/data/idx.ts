/**
 * The IDX file format of (Fashion-)MNIST, gzip-compressed: parsing with validation that names the
 * file and says what to do when it is damaged.
 */
import * as zlib from 'node:zlib';

export const IDX_UBYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    readonly hint: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataFileError';
  }
}

const REDOWNLOAD = 'Delete the file so that GAN Studio downloads a fresh copy, or point the dataset folder setting at a good copy.';

/** Decompresses a .gz IDX file; a truncated or non-gzip file raises DataFileError. */
export function gunzipIdx(file: string, compressed: Buffer): Buffer {
  if (compressed.length < 18 || compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    throw new DataFileError(file, 'is not a gzip file', REDOWNLOAD);
  }
  try {
    return zlib.gunzipSync(compressed);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'is truncated' : `is corrupt (${(error as Error).message})`;
    throw new DataFileError(file, reason, REDOWNLOAD);
  }
}

/**
 * Parses an uncompressed IDX buffer of unsigned bytes and checks it against what is expected:
 * the number of dimensions, and any dimension sizes given (null: any size).
 */
export function parseIdx(file: string, buffer: Buffer, expectedDims: (number | null)[]): IdxArray {
  if (buffer.length < 4) throw new DataFileError(file, 'is too short to be an IDX file', REDOWNLOAD);
  if (buffer[0] !== 0 || buffer[1] !== 0) throw new DataFileError(file, 'does not start with the IDX magic number', REDOWNLOAD);
  const type = buffer[2];
  const rank = buffer[3];
  if (type !== IDX_UBYTE) throw new DataFileError(file, `holds IDX type 0x${type.toString(16)}, expected unsigned bytes (0x08)`, REDOWNLOAD);
  if (rank !== expectedDims.length) {
    throw new DataFileError(file, `has ${rank} dimensions, expected ${expectedDims.length} (magic ${2048 + rank}, expected ${2048 + expectedDims.length})`, REDOWNLOAD);
  }
  const header = 4 + 4 * rank;
  if (buffer.length < header) throw new DataFileError(file, 'is truncated inside its header', REDOWNLOAD);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) {
    const size = buffer.readUInt32BE(4 + 4 * i);
    const expected = expectedDims[i];
    if (expected !== null && size !== expected) {
      throw new DataFileError(file, `dimension ${i} is ${size}, expected ${expected}`, REDOWNLOAD);
    }
    dims.push(size);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (buffer.length !== header + count) {
    const problem =
      buffer.length < header + count
        ? `is truncated: ${buffer.length - header} of ${count} data bytes present`
        : `has ${buffer.length - header - count} unexpected bytes after the data`;
    throw new DataFileError(file, problem, REDOWNLOAD);
  }
  return { dims, data: new Uint8Array(buffer.buffer, buffer.byteOffset + header, count) };
}

/** Builds an IDX file (used by tests and fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = IDX_UBYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}
