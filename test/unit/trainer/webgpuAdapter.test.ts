/** Which WebGPU adapters `auto` may train on: hardware ones only (the SwiftShader tests are in test/webgpu). */
import * as assert from 'node:assert/strict';
import { adapterLabel, describeAdapter } from '../../../src/trainer/backend/webgpu';

const info = (vendor: string, architecture: string, device: string, description: string, isFallbackAdapter = false) => ({ vendor, architecture, device, description, isFallbackAdapter });

describe('WebGPU adapters', () => {
  it('marks CPU renderers as software, whatever they call themselves', () => {
    const software = [
      info('google', 'swiftshader', 'swiftshader-device-subzero-', 'SwiftShader driver 5.0.0', true),
      info('google', 'swiftshader', '', 'SwiftShader driver 5.0.0'), // without the fallback flag
      info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa 22.3.6'),
      info('microsoft', '', 'Microsoft Basic Render Driver', 'D3D12 WARP'),
      info('unknown', '', '', '', true),
    ];
    for (const a of software) assert.equal(describeAdapter(a).software, true, JSON.stringify(a));
  });

  it('takes GPUs as hardware and names them', () => {
    const nvidia = describeAdapter(info('nvidia', 'hopper', '', 'NVIDIA H200'));
    assert.deepEqual(nvidia, { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', software: false });
    assert.equal(adapterLabel(nvidia), 'nvidia hopper (NVIDIA H200)');
    for (const a of [info('amd', 'rdna-3', '', 'AMD Radeon RX 7800 XT (RADV NAVI32)'), info('intel', 'gen-12lp', '', 'Intel(R) UHD Graphics 770'), info('apple', 'metal-3', '', 'Apple M2')]) {
      assert.equal(describeAdapter(a).software, false, JSON.stringify(a));
    }
    assert.equal(adapterLabel(describeAdapter(info('google', 'swiftshader', '', 'SwiftShader driver 5.0.0'))), 'google swiftshader (SwiftShader driver 5.0.0), a software renderer');
  });
});
