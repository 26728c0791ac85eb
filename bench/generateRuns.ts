/**
 * Generates a runs root of N plausible run folders (run.json, a short metrics.jsonl, some
 * notes.json), for the runs-view benchmark and the runs-table UI test: a sweep of learning rate,
 * batch size and seed over the quick preset, with a mix of statuses. No training happens.
 *
 *   npx tsx bench/generateRuns.ts <runs root> <count>
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetConfig, stepsPerEpoch, totalSteps } from '../src/protocol/experimentConfig';
import { RUN_FORMAT_VERSION, RunManifest, RunStatus } from '../src/protocol/runFormat';
import { STEP_COUNT_COMPLETED } from '../src/protocol/steps';

const LEARNING_RATES = [5e-5, 1e-4, 2e-4, 4e-4];
const BATCH_SIZES = [32, 64, 128];
const SEEDS = [1, 2, 3];
const STATUSES: RunStatus[] = ['completed', 'completed', 'completed', 'stopped', 'failed'];

/** A deterministic 0..1 hash of i, so the same count always gives the same runs. */
function noise(i: number, salt: number): number {
  const x = Math.sin(i * 12.9898 + salt * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

export function generateRuns(root: string, count: number, options: { metricsRecords?: number } = {}): string[] {
  fs.mkdirSync(root, { recursive: true });
  const dirs: string[] = [];
  const start = Date.parse('2026-11-20T08:00:00Z');
  for (let i = 0; i < count; i++) {
    const lr = LEARNING_RATES[i % LEARNING_RATES.length];
    const batchSize = BATCH_SIZES[Math.floor(i / LEARNING_RATES.length) % BATCH_SIZES.length];
    const seed = SEEDS[Math.floor(i / (LEARNING_RATES.length * BATCH_SIZES.length)) % SEEDS.length];
    const status = STATUSES[i % STATUSES.length];
    const name = `sweep lr ${lr} b${batchSize} s${seed}${i >= 36 ? ` #${Math.floor(i / 36)}` : ''}`;
    const config = { ...presetConfig('quick'), name, learningRate: lr, batchSize, seed };
    const perEpoch = stepsPerEpoch(config, 60000);
    const total = totalSteps(config, 60000);
    const step = status === 'completed' ? total : Math.round(total * (0.3 + 0.5 * noise(i, 1)));
    const created = new Date(start + i * 97_000);
    const id = `${created.toISOString().replace(/[-:]/g, '').slice(0, 15).replace('T', '-')}-sweep-${i.toString(16).padStart(4, '0')}`;
    const dir = path.join(root, id);
    fs.mkdirSync(path.join(dir, 'samples'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'checkpoints'), { recursive: true });
    // Lower learning rates end with a higher D loss here; the seed adds spread.
    const lossD = 0.6 + (2e-4 / lr) * 0.15 + 0.1 * noise(i, 2) + batchSize / 1000;
    const lossG = 3.2 - (2e-4 / lr) * 0.3 + 0.4 * noise(i, 3);
    const iso = created.toISOString();
    const manifest: RunManifest = {
      formatVersion: RUN_FORMAT_VERSION,
      id,
      name,
      status,
      config,
      backend: { name: 'wasm', detail: 'generated', skipped: [] },
      versions: {},
      pid: null,
      hostname: 'bench',
      createdAt: iso,
      startedAt: iso,
      updatedAt: iso,
      endedAt: iso,
      progress: { step, epoch: Math.floor(step / perEpoch), totalSteps: total, stepsPerEpoch: perEpoch, imagesPerSec: 300, etaSec: null, elapsedSec: 60 + step * 0.3 },
      lastMetrics: status === 'failed' && i % 2 === 0 ? null : { step, lossD, lossG, dReal: 0.6, dFake: 0.3 },
      samples: [],
      checkpoints: [],
      parent: null,
      error: status === 'failed' ? { message: 'Training diverged (generated run).', hint: 'Lower the learning rate.' } : null,
      stepCount: STEP_COUNT_COMPLETED,
    };
    fs.writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const records = options.metricsRecords ?? 0;
    if (records > 0) {
      const lines: string[] = [];
      for (let r = 1; r <= records; r++) {
        const s = Math.round((step * r) / records);
        const t = r / records;
        lines.push(JSON.stringify({ step: s, iteration: s - 1, epoch: Math.floor((s - 1) / perEpoch), batch: (s - 1) % perEpoch, lossD: 1.4 - (1.4 - lossD) * t, lossG: 0.8 + (lossG - 0.8) * t + 0.2 * Math.sin(r), dReal: 0.6, dFake: 0.3, dFakeAfter: 0.3, imagesPerSec: 300, elapsedSec: s * 0.3, time: created.getTime() + s * 300 }));
      }
      fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
    }
    if (i % 7 === 0) fs.writeFileSync(path.join(dir, 'notes.json'), `${JSON.stringify({ tags: i % 14 === 0 ? ['baseline'] : ['sweep'], note: '' }, null, 2)}\n`);
    dirs.push(dir);
  }
  return dirs;
}

if (require.main === module) {
  const [root, count] = process.argv.slice(2);
  if (!root || !Number(count)) {
    console.error('Usage: npx tsx bench/generateRuns.ts <runs root> <count>');
    process.exit(2);
  }
  generateRuns(root, Number(count));
  console.log(`Wrote ${count} runs under ${root}`);
}
