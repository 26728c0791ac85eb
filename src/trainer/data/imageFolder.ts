/**
 * `dataset: "folder"`: the user's own PNG, JPEG and WebP images (any size, in the folder and its
 * subfolders), decoded with sharp (libvips), EXIF-rotated, alpha flattened onto black, centre-
 * cropped to a square and resized to the model's resolution, as 8-bit RGB. Unreadable and tiny
 * images are skipped and reported. The decoded images are cached (`<cache>/folders/<key>.bin`),
 * keyed by a hash of every file's relative path, size and modification time and the resolution,
 * so a second run over an unchanged folder decodes nothing.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
/** Bumped when the decoding changes, so old caches are not used. */
const CACHE_VERSION = 1;
/** How many skipped files a message names. */
const NAMED = 5;

export class ImageFolderError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'ImageFolderError';
  }
}

export interface FolderImages {
  count: number;
  /** `count` images of size x size x 3, uint8 RGB, row-major. */
  pixels: Uint8Array;
  /** Relative paths of the images used, in order. */
  files: string[];
  /** Whether every image used is grey (R = G = B everywhere). */
  grey: boolean;
  skipped: { file: string; reason: string }[];
  /** Where the pixels came from: decoded now, or the cache file. */
  cache: { file: string; hit: boolean } | null;
  decodeSec: number;
}

export interface FolderOptions {
  /** Folder for the decoded-image cache (none: decode every time). */
  cacheDir?: string;
  /** Images with a shorter side than this are skipped (default: half the model's resolution). */
  minSide?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Image files under `folder` (recursively), sorted by relative path. */
export function listImageFiles(folder: string): string[] {
  const stat = fs.statSync(folder, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new ImageFolderError(`The image folder ${folder} does not exist (or is not a folder).`, 'Set "datasetPath" in the experiment file to a folder of PNG, JPEG or WebP images.');
  }
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relPath);
      else if (IMAGE_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(relPath);
    }
  };
  walk(folder, '');
  return out.sort();
}

/** The cache key of a folder's content at one resolution: relative paths, sizes and modification times. */
export function folderKey(folder: string, files: string[], size: number): string {
  const hash = crypto.createHash('sha256').update(`v${CACHE_VERSION} ${size}\n`);
  for (const file of files) {
    const s = fs.statSync(path.join(folder, file));
    hash.update(`${file}\0${s.size}\0${Math.round(s.mtimeMs)}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

interface CacheHeader {
  version: number;
  size: number;
  count: number;
  grey: boolean;
  files: string[];
  skipped: { file: string; reason: string }[];
}

function readCache(file: string, size: number): Omit<FolderImages, 'cache' | 'decodeSec'> | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    const headerLength = data.readUInt32LE(0);
    const header = JSON.parse(data.toString('utf8', 4, 4 + headerLength)) as CacheHeader;
    const bytes = header.count * size * size * 3;
    if (header.version !== CACHE_VERSION || header.size !== size || data.length !== 4 + headerLength + bytes) return undefined;
    const pixels = new Uint8Array(data.buffer, data.byteOffset + 4 + headerLength, bytes);
    return { count: header.count, pixels, files: header.files, grey: header.grey, skipped: header.skipped };
  } catch {
    return undefined; // a damaged cache is decoded again and rewritten
  }
}

function writeCache(file: string, size: number, images: Omit<FolderImages, 'cache' | 'decodeSec'>): void {
  const header: CacheHeader = { version: CACHE_VERSION, size, count: images.count, grey: images.grey, files: images.files, skipped: images.skipped };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, Buffer.concat([length, json, Buffer.from(images.pixels.buffer, images.pixels.byteOffset, images.pixels.byteLength)]));
}

/** Loads (or reads from the cache) every usable image of `folder` at `size` x `size`, RGB. */
export async function loadImageFolder(folder: string, size: number, options: FolderOptions = {}): Promise<FolderImages> {
  const started = performance.now();
  const files = listImageFiles(folder);
  if (files.length === 0) {
    throw new ImageFolderError(
      `The image folder ${folder} holds no PNG, JPEG or WebP images (looked in it and its subfolders).`,
      `Put your images (.png, .jpg, .jpeg or .webp, at least ${options.minSide ?? Math.ceil(size / 2)} pixels a side) into ${folder}, or set "datasetPath" to the folder that has them.`,
    );
  }
  const key = folderKey(folder, files, size);
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, 'folders', `${key}.bin`) : undefined;
  const cached = cacheFile ? readCache(cacheFile, size) : undefined;
  const seconds = () => (performance.now() - started) / 1000;
  if (cached) return checkUsable(folder, size, { ...cached, cache: { file: cacheFile!, hit: true }, decodeSec: seconds() }, options);
  const decoded = await decodeAll(folder, files, size, options);
  if (cacheFile && decoded.count > 0) {
    try {
      writeCache(cacheFile, size, decoded);
    } catch {
      // No cache (read-only or full disk): the next run decodes again.
    }
  }
  return checkUsable(folder, size, { ...decoded, cache: cacheFile ? { file: cacheFile, hit: false } : null, decodeSec: seconds() }, options);
}

function checkUsable(folder: string, size: number, images: FolderImages, options: FolderOptions): FolderImages {
  if (images.count > 0) return images;
  throw new ImageFolderError(
    `None of the ${images.skipped.length} images in ${folder} can be used: ${describeSkipped(images.skipped)}.`,
    `Put readable PNG, JPEG or WebP images of at least ${options.minSide ?? Math.ceil(size / 2)} pixels a side into ${folder}, or set "datasetPath" to another folder.`,
  );
}

/** "3 skipped (a.png: not an image; b.jpg: 4x4 pixels, below 16; …)". */
export function describeSkipped(skipped: { file: string; reason: string }[]): string {
  const named = skipped.slice(0, NAMED).map((s) => `${s.file}: ${s.reason}`);
  return named.join('; ') + (skipped.length > NAMED ? `; and ${skipped.length - NAMED} more` : '');
}

async function decodeAll(folder: string, files: string[], size: number, options: FolderOptions): Promise<Omit<FolderImages, 'cache' | 'decodeSec'>> {
  // Loaded here, not at the top, so that the other data sets train where sharp's binaries are missing.
  const sharp = (await import('sharp')).default;
  const minSide = options.minSide ?? Math.ceil(size / 2);
  const area = size * size * 3;
  const results: (Uint8Array | { reason: string })[] = new Array(files.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await decodeOne(sharp, path.join(folder, files[i]), size, minSide);
      options.onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const used: string[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const good: Uint8Array[] = [];
  results.forEach((r, i) => {
    if (r instanceof Uint8Array) {
      good.push(r);
      used.push(files[i]);
    } else skipped.push({ file: files[i], reason: r.reason });
  });
  const pixels = new Uint8Array(good.length * area);
  good.forEach((g, i) => pixels.set(g, i * area));
  let grey = true;
  for (let i = 0; i < pixels.length && grey; i += 3) grey = pixels[i] === pixels[i + 1] && pixels[i] === pixels[i + 2];
  return { count: good.length, pixels, files: used, grey, skipped };
}

type Sharp = (typeof import('sharp'))['default'];

async function decodeOne(sharp: Sharp, file: string, size: number, minSide: number): Promise<Uint8Array | { reason: string }> {
  try {
    const image = sharp(file, { failOn: 'error' }).rotate();
    const meta = await image.metadata();
    const [w, h] = (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
    if (!w || !h) return { reason: 'no image size' };
    if (Math.min(w, h) < minSide) return { reason: `${w}x${h} pixels, below ${minSide}` };
    const { data, info } = await image
      .flatten({ background: '#000000' })
      .resize(size, size, { fit: 'cover', position: 'centre' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size || info.channels !== 3) return { reason: `decoded to ${info.width}x${info.height}x${info.channels}` };
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return { reason: /unsupported image format|Input file contains unsupported/i.test(message) ? 'not a readable image' : `unreadable (${message})` };
  }
}
