/**
 * Every convolution kernel GAN Studio registers or replaces gives the same results as the
 * reference CPU implementation: onnxruntime's kernels (the default) and the XNNPACK fallbacks,
 * each checked in its own process, on the model's layers and on random shapes, strides and
 * paddings; and whole D and G steps, repeated, give the CPU backend's gradients.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CompareResult, describeGeometry, randomGeometries, referenceGeometries } from './convCompare';
import { REPO_ROOT } from '../helpers';

const TOLERANCE = 2e-5;
const STEP_TOLERANCE = 1e-4;
const geometries = [...referenceGeometries(), ...randomGeometries(16, 7)].map(describeGeometry);

function compareInChild(env: Record<string, string>): CompareResult {
  const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(__dirname, 'convCompare.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, REPETITIONS: '3', ...env },
    maxBuffer: 16 << 20,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as CompareResult;
}

for (const [set, env, expectBackend] of [
  ['onnxruntime kernels (default)', {}, /onnxruntime-node .* convolutions/],
  ['XNNPACK fallbacks', { GAN_STUDIO_NO_ORT: '1' }, /convolution gradients on XNNPACK/],
] as const) {
  describe(`convolution kernels on wasm, ${set}, match the CPU reference`, function () {
    this.timeout(900000);
    let result: CompareResult;
    before(() => {
      result = compareInChild(env);
    });

    it('ran on the kernel set under test', () => {
      assert.match(result.backend, expectBackend);
    });

    geometries.forEach((label, i) => {
      it(label, () => {
        assert.equal(result.layers[i].label, label);
        ['output', 'input gradient', 'filter gradient'].forEach((what, k) => {
          const error = result.layers[i].errors[k];
          assert.ok(error < TOLERANCE, `${what}: relative error ${error.toExponential(2)}`);
        });
      });
    });

    it('gives the CPU gradients for whole D and G steps, every time (3 repetitions)', () => {
      for (const [rep, errors] of result.steps.entries()) {
        const worst = Math.max(...errors);
        assert.ok(worst < STEP_TOLERANCE, `repetition ${rep + 1}: worst relative error ${worst.toExponential(2)}`);
      }
    });
  });
}
