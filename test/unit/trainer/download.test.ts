import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { locateDatasetFile, readImages, TRAIN_IMAGES } from '../../../src/trainer/data/fashionMnist';
import { encodeIdx } from '../../../src/trainer/data/idx';
import { syntheticImages, tempDir } from '../helpers';

/** A local stand-in for the official server: serves one file, optionally through a redirect. */
async function serve(body: Buffer): Promise<{ baseUrl: string; close(): Promise<void>; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === `/moved/${TRAIN_IMAGES.name}`) {
      res.writeHead(302, { location: `/files/${TRAIN_IMAGES.name}` }).end();
    } else if (req.url === `/files/${TRAIN_IMAGES.name}`) {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('downloading the data set', () => {
  const body = zlib.gzipSync(encodeIdx([4, 28, 28], syntheticImages(4)));
  const md5 = crypto.createHash('md5').update(body).digest('hex');

  it('downloads into the cache with progress, following redirects, when the checksum matches', async () => {
    const server = await serve(body);
    const cache = tempDir();
    const empty = tempDir();
    const progress: number[] = [];
    try {
      const found = await locateDatasetFile(
        { ...TRAIN_IMAGES, gzipMd5: md5 },
        { dataDirs: [], cacheDir: cache, systemDir: empty, baseUrl: `${server.baseUrl}moved/`, onDownload: (p) => progress.push(p.received) },
      );
      assert.deepEqual(found, { file: path.join(cache, TRAIN_IMAGES.name), source: 'download' });
      assert.equal(readImages(found.file).count, 4);
      assert.equal(progress[progress.length - 1], body.length);
      assert.deepEqual(server.hits, [`/moved/${TRAIN_IMAGES.name}`, `/files/${TRAIN_IMAGES.name}`]);
    } finally {
      await server.close();
    }
  });

  it('rejects a damaged download and leaves nothing behind', async () => {
    const server = await serve(body);
    const cache = tempDir();
    try {
      await assert.rejects(
        locateDatasetFile(TRAIN_IMAGES, { dataDirs: [], cacheDir: cache, systemDir: tempDir(), baseUrl: `${server.baseUrl}files/` }),
        /is damaged \(md5 [0-9a-f]{32}, expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d\)/,
      );
      assert.deepEqual(fs.readdirSync(cache), []);
    } finally {
      await server.close();
    }
  });

  it('explains an HTTP error with what to do', async () => {
    const server = await serve(body);
    try {
      await assert.rejects(
        locateDatasetFile(TRAIN_IMAGES, { dataDirs: [], cacheDir: tempDir(), systemDir: tempDir(), baseUrl: `${server.baseUrl}nothing/` }),
        (e: unknown) => /HTTP 404/.test((e as Error).message) && /ganStudio.datasetFolder/.test((e as { hint: string }).hint),
      );
    } finally {
      await server.close();
    }
  });
});
