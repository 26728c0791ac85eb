/** What the dashboard says while it waits: backend start, data, the first step. */
import * as assert from 'node:assert/strict';
import type { RunInfo } from '../../../src/protocol/dashboardProtocol';
import { waitingText } from '../../../webview/dashboard/model/loading';

function info(overrides: Partial<RunInfo>): RunInfo {
  return {
    key: '/runs/a',
    id: 'a',
    name: 'quick',
    status: 'running',
    message: null,
    controllable: true,
    live: true,
    progress: { step: 0, epoch: 0, totalSteps: 700, stepsPerEpoch: 938, imagesPerSec: null, etaSec: null, elapsedSec: 0 },
    totalEpochs: 1,
    backend: 'wasm',
    backendDetail: null,
    configSummary: '',
    error: null,
    canResume: false,
    createdAt: '',
    metricsWarning: null,
    ...overrides,
  };
}

describe('dashboard: what the loading state waits for', () => {
  it('names the run folder before the snapshot, and a problem when there is one', () => {
    assert.match(waitingText(undefined, 0), /reading run\.json/);
    assert.equal(waitingText(undefined, 0, 'The run folder is gone.'), 'The run folder is gone.');
  });

  it('passes on what the trainer says while it starts (backend, data)', () => {
    assert.equal(waitingText(info({ status: 'starting', message: 'Initialising the wasm backend' }), 0), 'Waiting for the trainer: Initialising the wasm backend…');
    assert.equal(waitingText(info({ status: 'starting', message: 'Loading FashionMNIST' }), 0), 'Waiting for the trainer: Loading FashionMNIST…');
  });

  it('waits for the first step once training, and says nothing once there are metrics', () => {
    assert.match(waitingText(info({ status: 'running' }), 0), /^Waiting for the first step \(wasm\)/);
    assert.equal(waitingText(info({ status: 'running' }), 3), '');
    assert.match(waitingText(info({ status: 'failed', live: false }), 0), /ended before its first step/);
  });
});
