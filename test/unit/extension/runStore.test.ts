/** The run store and its watcher on real folders: runs appear, change and disappear while watched. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunStore, RunStoreChange } from '../../../src/extension/runs/runStore';
import { RunWatcher } from '../../../src/extension/runs/runWatcher';
import { writeJsonAtomic } from '../../../src/common/atomicFile';
import { fixtureManifest, writeFixtureRun } from '../../fixtures/runFixtures';
import { tempDir } from '../helpers';

function nextChange<T>(subscribe: (listener: (value: T) => void) => { dispose(): void }, accept: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('no change event within 5 s'));
    }, 5000);
    const sub = subscribe((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(value);
    });
  });
}

describe('the run folder watcher', () => {
  it('reports a run folder that appears, its files changing, and its removal', async () => {
    const root = tempDir();
    const watcher = new RunWatcher(root, 50);
    try {
      const dir = path.join(root, 'run-a');
      const appeared = nextChange(watcher.onDidChange, (c) => c.dirs.includes(dir));
      fs.mkdirSync(dir);
      await appeared;
      const metrics = nextChange(watcher.onDidChange, (c) => c.files.get(dir)?.has('metrics.jsonl') ?? false);
      fs.appendFileSync(path.join(dir, 'metrics.jsonl'), '{"step":0}\n');
      await metrics;
      const removed = nextChange(watcher.onDidChange, (c) => c.dirs.includes(dir));
      fs.rmSync(dir, { recursive: true });
      await removed;
    } finally {
      watcher.dispose();
    }
  });

  it('reports a folder while a trainer keeps appending to it, not only after it stops (the maximum wait)', async () => {
    const root = tempDir();
    const dir = path.join(root, 'run-a');
    fs.mkdirSync(dir);
    // Appends every 10 ms never leave the 150 ms quiet moment the debounce waits for.
    const watcher = new RunWatcher(root, 150, 2000, 100);
    let reported = false;
    const sub = watcher.onDidChange((c) => {
      if (c.files.get(dir)?.has('metrics.jsonl')) reported = true;
    });
    try {
      const deadline = Date.now() + 20000;
      let appends = 0;
      while (!reported && Date.now() < deadline) {
        fs.appendFileSync(path.join(dir, 'metrics.jsonl'), `{"step":${appends++}}\n`);
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(reported, `no report during ${appends} steady appends`);
    } finally {
      sub.dispose();
      watcher.dispose();
    }
  });

  it('waits for a runs root that does not exist yet', async () => {
    const parent = tempDir();
    const root = path.join(parent, '.gan-studio', 'runs');
    const watcher = new RunWatcher(root, 50, 50);
    try {
      const rescan = nextChange(watcher.onDidChange, (c) => c.rescan);
      fs.mkdirSync(root, { recursive: true });
      await rescan;
      const appeared = nextChange(watcher.onDidChange, (c) => c.dirs.includes(path.join(root, 'r1')));
      fs.mkdirSync(path.join(root, 'r1'));
      await appeared;
    } finally {
      watcher.dispose();
    }
  });
});

describe('the run store', () => {
  it('lists fixture runs newest first, including a damaged one with its problem', () => {
    const root = tempDir();
    writeFixtureRun(root, fixtureManifest({ id: 'old', createdAt: '2026-01-01T00:00:00.000Z' }));
    writeFixtureRun(root, fixtureManifest({ id: 'new', createdAt: '2026-02-01T00:00:00.000Z' }));
    fs.mkdirSync(path.join(root, 'broken'));
    fs.writeFileSync(path.join(root, 'broken', 'run.json'), '{"formatVersion": 1');
    fs.utimesSync(path.join(root, 'broken'), new Date('2025-12-01'), new Date('2025-12-01'));
    fs.mkdirSync(path.join(root, 'not-a-run'));
    const store = new RunStore(root, false);
    try {
      assert.deepEqual(store.list().map((r) => r.id), ['new', 'old', 'broken']);
      assert.match(store.get(path.join(root, 'broken'))!.loadError!, /run\.json is damaged/);
    } finally {
      store.dispose();
    }
  });

  it('marks a run whose trainer is gone as interrupted', () => {
    const root = tempDir();
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max
    writeFixtureRun(root, fixtureManifest({ id: 'killed', status: 'running', pid: dead, hostname: os.hostname() }));
    writeFixtureRun(root, fixtureManifest({ id: 'alive', status: 'running', pid: process.pid, hostname: os.hostname() }));
    const store = new RunStore(root, false);
    try {
      assert.equal(store.findById('killed')!.interrupted, true);
      assert.equal(store.findById('alive')!.interrupted, false);
    } finally {
      store.dispose();
    }
  });

  it('follows runs written while it watches (as by the CLI), their updates and deletion', async () => {
    const root = tempDir();
    const store = new RunStore(root);
    try {
      const added = nextChange<RunStoreChange>(store.onDidChange, (c) => c.changed.some((r) => r.id === 'live'));
      const dir = writeFixtureRun(root, fixtureManifest({ id: 'live', status: 'running', pid: process.pid }));
      await added;
      const completed = nextChange<RunStoreChange>(store.onDidChange, (c) => c.changed.some((r) => r.manifest?.status === 'completed'));
      writeJsonAtomic(path.join(dir, 'run.json'), fixtureManifest({ id: 'live', status: 'completed' }));
      await completed;
      assert.equal(store.findById('live')!.manifest!.status, 'completed');
      const removed = nextChange<RunStoreChange>(store.onDidChange, (c) => c.removed.includes(dir));
      fs.rmSync(dir, { recursive: true });
      await removed;
      assert.equal(store.list().length, 0);
    } finally {
      store.dispose();
    }
  });

  it('switches to another runs root', () => {
    const [a, b] = [tempDir(), tempDir()];
    writeFixtureRun(a, fixtureManifest({ id: 'in-a' }));
    writeFixtureRun(b, fixtureManifest({ id: 'in-b' }));
    const store = new RunStore(a, false);
    try {
      store.setRoot(b);
      assert.deepEqual(store.list().map((r) => r.id), ['in-b']);
    } finally {
      store.dispose();
    }
  });
});
