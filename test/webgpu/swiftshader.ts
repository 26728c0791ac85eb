/**
 * Fixtures of the WebGPU tests: the webgpu backend on SwiftShader (npm run test:webgpu sets the
 * environment), tolerance checks against the CPU backend.
 */
import * as assert from 'node:assert/strict';
import type { BackendReport } from '../../src/protocol/runFormat';
import { selectBackend } from '../../src/trainer/backend/select';

/** Makes the webgpu backend current; fails (never skips) when it does not load. */
export async function useWebgpu(): Promise<BackendReport> {
  assert.ok(process.env.VK_ICD_FILENAMES, 'Run these tests with `npm run test:webgpu`, which points Dawn at SwiftShader (VK_ICD_FILENAMES, LD_LIBRARY_PATH).');
  const report = await selectBackend('webgpu');
  assert.equal(report.name, 'webgpu');
  assert.ok(report.adapter, 'run.json names the adapter');
  return report;
}

/** The largest |a - b| relative to the scale of `expected` (its largest magnitude, at least 1e-3). */
export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'lengths');
  let scale = 1e-3;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d / scale);
  }
  return worst;
}
