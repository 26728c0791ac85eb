/**
 * Typed arrays as base64 text, for JSON channels (JSON-RPC over IPC, webview messages). Pure: no
 * Buffer, DOM or tfjs, so the generator process, the extension host and the webviews share it.
 * Float32 values are stored little-endian, as in a checkpoint's tensors.bin.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    const chars: number[] = [];
    for (let i = start; i < end; i += 3) {
      const b0 = bytes[i];
      const b1 = i + 1 < end ? bytes[i + 1] : 0;
      const b2 = i + 2 < end ? bytes[i + 2] : 0;
      chars.push(ALPHABET.charCodeAt(b0 >> 2), ALPHABET.charCodeAt(((b0 & 3) << 4) | (b1 >> 4)));
      chars.push(i + 1 < end ? ALPHABET.charCodeAt(((b1 & 15) << 2) | (b2 >> 6)) : 61);
      chars.push(i + 2 < end ? ALPHABET.charCodeAt(b2 & 63) : 61);
    }
    parts.push(String.fromCharCode(...chars));
  }
  return parts.join('');
}

export class Base64Error extends Error {}

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new Base64Error(`base64 text has ${text.length} characters, not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const c = [0, 1, 2, 3].map((k) => {
      const code = text.charCodeAt(i + k);
      if (code === 61 && i + k >= text.length - padding) return 0;
      const v = code < 128 ? LOOKUP[code] : -1;
      if (v < 0) throw new Base64Error(`invalid base64 character at ${i + k}`);
      return v;
    });
    const n = (c[0] << 18) | (c[1] << 12) | (c[2] << 6) | c[3];
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function encodeFloat32(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE_ENDIAN) return encodeBase64(bytes);
  const copy = new Uint8Array(values.byteLength);
  const view = new DataView(copy.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return encodeBase64(copy);
}

export function decodeFloat32(text: string): Float32Array {
  const bytes = decodeBase64(text);
  if (bytes.length % 4 !== 0) throw new Base64Error(`${bytes.length} bytes are not whole float32 values`);
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const view = new DataView(bytes.buffer);
  return Float32Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}
