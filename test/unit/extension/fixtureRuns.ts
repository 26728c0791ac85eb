/** Fixture run folders for the store, watcher and tree tests (the shape the trainer writes). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../../src/common/atomicFile';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { RunManifest, RUN_FORMAT_VERSION } from '../../../src/protocol/runFormat';

export function fixtureManifest(overrides: Partial<RunManifest> = {}): RunManifest {
  const config = presetConfig('reference');
  return {
    formatVersion: RUN_FORMAT_VERSION,
    id: 'run',
    name: 'reference',
    status: 'completed',
    config,
    backend: { name: 'wasm', detail: 'tfjs-backend-wasm 4.22.0 (SIMD, 1 thread)', skipped: [{ name: 'tensorflow', reason: 'not installed' }] },
    versions: {},
    pid: null,
    hostname: 'host',
    createdAt: '2026-11-26T10:00:00.000Z',
    startedAt: '2026-11-26T10:00:00.000Z',
    updatedAt: '2026-11-26T11:00:00.000Z',
    endedAt: '2026-11-26T11:00:00.000Z',
    progress: { step: 938, epoch: 2, totalSteps: 9380, stepsPerEpoch: 469, imagesPerSec: 300, etaSec: null, elapsedSec: 3725 },
    lastMetrics: { step: 900, lossD: 0.5234, lossG: 2.3101, dReal: 0.7, dFake: 0.2 },
    samples: [
      { step: 0, epoch: 0, file: 'samples/step-000000.grid.png', time: '2026-11-26T10:00:01.000Z' },
      { step: 500, epoch: 1, file: 'samples/step-000500.grid.png', time: '2026-11-26T10:30:00.000Z' },
    ],
    checkpoints: [
      { id: 'step-000469', step: 469, epoch: 1, reason: 'epoch', time: '2026-11-26T10:29:00.000Z' },
      { id: 'step-000938', step: 938, epoch: 2, reason: 'stop', time: '2026-11-26T11:00:00.000Z' },
    ],
    parent: null,
    error: null,
    stepCount: 'completed',
    ...overrides,
  };
}

export function writeFixtureRun(root: string, manifest: RunManifest): string {
  const dir = path.join(root, manifest.id);
  fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
  writeJsonAtomic(path.join(dir, 'run.json'), manifest);
  return dir;
}
