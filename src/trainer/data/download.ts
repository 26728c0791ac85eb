/** Downloads a file over HTTP(S) with redirects, progress and an MD5 check; the target appears only when complete and verified. */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';

export interface DownloadProgress {
  url: string;
  received: number;
  total: number | null;
}

export interface DownloadOptions {
  md5?: string;
  onProgress?: (progress: DownloadProgress) => void;
  timeoutMs?: number;
  maxRedirects?: number;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

const OFFLINE_HINT =
  'Check the internet connection, or download the official FashionMNIST .gz files yourself and set ' +
  'ganStudio.datasetFolder (CLI: --data) to their folder.';

export async function download(url: string, target: string, options: DownloadOptions = {}): Promise<void> {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.part`;
  try {
    const md5 = await fetchTo(url, partial, options, options.maxRedirects ?? 5);
    if (options.md5 && md5 !== options.md5) {
      throw new DownloadError(`The download of ${url} is damaged (md5 ${md5}, expected ${options.md5}).`, 'Try again; if it keeps failing, ' + OFFLINE_HINT);
    }
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

function fetchTo(url: string, file: string, options: DownloadOptions, redirectsLeft: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { timeout: options.timeoutMs ?? 30000 }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirectsLeft <= 0) return reject(new DownloadError(`Too many redirects downloading ${url}.`, OFFLINE_HINT));
        const next = new URL(response.headers.location, url).toString();
        return fetchTo(next, file, options, redirectsLeft - 1).then(resolve, reject);
      }
      if (status !== 200) {
        response.resume();
        return reject(new DownloadError(`Downloading ${url} failed: HTTP ${status}.`, OFFLINE_HINT));
      }
      const total = Number(response.headers['content-length']) || null;
      const hash = crypto.createHash('md5');
      const out = fs.createWriteStream(file);
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
        options.onProgress?.({ url, received, total });
      });
      response.pipe(out);
      out.on('finish', () => resolve(hash.digest('hex')));
      out.on('error', (error) => reject(new DownloadError(`Cannot write ${file}: ${error.message}.`, 'Check free disk space and permissions of the cache folder.')));
      response.on('error', (error) => reject(new DownloadError(`Downloading ${url} failed: ${error.message}.`, OFFLINE_HINT)));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => reject(new DownloadError(`Cannot download ${url}: ${error.message}.`, OFFLINE_HINT)));
  });
}
