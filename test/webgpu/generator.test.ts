/**
 * The generator process (dist/generator.js) on the webgpu backend (SwiftShader here): it loads a
 * checkpoint and renders what the CPU backend renders, in eval and train mode, and exits when
 * disposed.
 */
import * as assert from 'node:assert/strict';
import { GeneratorClient } from '../../src/extension/playground/generatorClient';
import { decodeFloat32 } from '../../src/protocol/binary';
import { checkpointsOf, GENERATOR_SCRIPT, smokeRun } from '../unit/playground/smokeRun';
import { scaledError } from './swiftshader';

describe('generator process on webgpu (SwiftShader)', () => {
  it('renders the CPU backend’s images from a checkpoint and exits when disposed', async () => {
    const checkpoint = checkpointsOf(smokeRun()).pop()!;
    const renders: Record<string, Float32Array>[] = [];
    for (const backend of ['cpu', 'webgpu'] as const) {
      const client = new GeneratorClient({ script: GENERATOR_SCRIPT, log: () => undefined });
      try {
        const info = await client.load({ checkpointDir: checkpoint, backend });
        assert.equal(info.backend.name, backend);
        if (backend === 'webgpu') assert.equal(info.backend.adapter?.architecture, 'swiftshader');
        const fixed = decodeFloat32(info.fixedNoise).subarray(0, 16 * info.latentSize);
        renders.push({
          eval: decodeFloat32((await client.render(fixed, 'eval')).images),
          train: decodeFloat32((await client.render(fixed, 'train')).images),
        });
      } finally {
        await client.dispose();
      }
      assert.equal(client.running, false, `the ${backend} generator process has exited`);
    }
    const [cpu, gpu] = renders;
    for (const mode of ['eval', 'train']) {
      const error = scaledError(gpu[mode], cpu[mode]);
      assert.ok(error <= 1e-4, `${mode} mode: scaled error ${error.toExponential(2)}`);
    }
  });
});
