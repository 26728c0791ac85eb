/** Runs-table rows for the model tests: a learning-rate sweep over two seeds, and a batch-size change. */
import { presetConfig } from '../../../src/protocol/experimentConfig';
import type { CellValue, RunRow } from '../../../src/protocol/runsTableProtocol';

export function row(name: string, config: Record<string, CellValue>, over: Partial<RunRow> = {}): RunRow {
  return {
    key: `/runs/${name}`,
    id: `20261126-100000-${name}`,
    name,
    status: 'completed',
    tags: [],
    note: '',
    config: { ...(presetConfig('quick') as unknown as Record<string, CellValue>), name, ...config },
    results: { lossD: 1, lossG: 2, dReal: 0.5, dFake: 0.4 },
    steps: 700,
    totalSteps: 700,
    stepsPerEpoch: 938,
    durationSec: 240,
    backend: 'wasm',
    createdAt: '2026-11-26T10:00:00.000Z',
    ...over,
  };
}

export function sweep(): RunRow[] {
  return [
    row('a1', { learningRate: 0.0001, seed: 1 }, { results: { lossD: 1.0, lossG: 2.0 } }),
    row('a2', { learningRate: 0.0001, seed: 2 }, { results: { lossD: 1.2, lossG: 2.2 } }),
    row('b1', { learningRate: 0.0002, seed: 1 }, { results: { lossD: 0.8, lossG: 3.0 }, status: 'stopped', tags: ['baseline'] }),
    row('b2', { learningRate: 0.0002, seed: 2 }, { results: { lossD: 0.6, lossG: 3.4 }, tags: ['baseline', 'sweep'] }),
    row('c1', { learningRate: 0.0004, batchSize: 128, seed: 1 }, { results: { lossD: null, lossG: null }, status: 'failed', backend: 'cpu' }),
  ];
}
