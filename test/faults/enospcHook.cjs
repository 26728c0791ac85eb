// Preloaded into a trainer (NODE_OPTIONS=--require) by the fault-injection suite: once the process
// has written GAN_STUDIO_FAULT_ENOSPC_AFTER bytes into files under GAN_STUDIO_FAULT_DIR, every
// further write there fails with ENOSPC, as on a full disk.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const limit = Number(process.env.GAN_STUDIO_FAULT_ENOSPC_AFTER);
const root = process.env.GAN_STUDIO_FAULT_DIR;
if (Number.isFinite(limit) && root) {
  let written = 0;
  const fdPaths = new Map();
  const inRoot = (p) => typeof p === 'string' && path.resolve(p).startsWith(path.resolve(root));
  const enospc = (what) => Object.assign(new Error(`ENOSPC: no space left on device, write '${what}'`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const count = (target, data) => {
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data?.byteLength ?? 0;
    if (written + bytes > limit) throw enospc(target);
    written += bytes;
  };
  const open = fs.openSync;
  fs.openSync = function (p, ...rest) {
    const fd = open.call(this, p, ...rest);
    if (inRoot(p)) fdPaths.set(fd, String(p));
    return fd;
  };
  const close = fs.closeSync;
  fs.closeSync = function (fd) {
    fdPaths.delete(fd);
    return close.call(this, fd);
  };
  for (const name of ['writeSync', 'writeFileSync', 'appendFileSync']) {
    const original = fs[name];
    fs[name] = function (target, data, ...rest) {
      const p = typeof target === 'number' ? fdPaths.get(target) : target;
      if (p !== undefined && (typeof target === 'number' || inRoot(p))) count(p, data);
      return original.call(this, target, data, ...rest);
    };
  }
}
