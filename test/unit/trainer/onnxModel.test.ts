/**
 * The trainer's convolution graphs, now encoded by onnx-proto, are the models the hand-written
 * protobuf writer produced before (the same bytes, except that TensorProto.dims are packed) (test/fixtures/onnx/convKernelModels.json holds
 * its encodings of every kernel formulation), and the encoder writes what the generator export
 * needs: symbolic dimensions, float initializers and metadata_props.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildConvKernelModel, ConvGeometry, ConvKernelKind, geometryKey } from '../../../src/trainer/backend/ort/convModels';
import { buildOnnxModel, decodeOnnxModel } from '../../../src/trainer/backend/ort/onnxModel';
import { REPO_ROOT } from '../helpers';

interface Fixture {
  geometries: ConvGeometry[];
  models: Record<string, { variant: string; model: string }>;
}

const fixture = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/onnx/convKernelModels.json'), 'utf8')) as Fixture;

describe('ONNX encoding of the convolution kernel graphs (onnx-proto)', () => {
  it('covers every formulation of every kernel', () => {
    const variants = new Set(Object.values(fixture.models).map((m) => m.variant));
    for (const v of ['matmul', 'im2col', 'conv-nchw', 'phase-matmul', 'convtranspose-nchw', 'im2col-matmul', 'conv-swapped']) assert.ok(variants.has(v), v);
  });

  for (const g of fixture.geometries) {
    for (const kind of ['conv', 'bpi', 'bpf'] as ConvKernelKind[]) {
      const key = geometryKey(kind, g);
      it(`${key} decodes to the old writer's model (byte-identical without initializers)`, () => {
        const expected = fixture.models[key];
        const model = buildConvKernelModel(kind, g);
        assert.equal(model.variant, expected.variant);
        const old = Buffer.from(expected.model, 'base64');
        assert.deepEqual(decodeOnnxModel(model.bytes).toJSON(), decodeOnnxModel(old).toJSON());
        // The old writer wrote TensorProto.dims unpacked, onnx-proto packs them (both are valid
        // proto2 wire forms); everything else is the same bytes.
        if ((decodeOnnxModel(old).graph?.initializer?.length ?? 0) === 0) assert.equal(Buffer.from(model.bytes).toString('base64'), expected.model);
      });
    }
  }

  it('writes symbolic dimensions, float initializers, opset 17 and metadata_props', () => {
    const bytes = buildOnnxModel(
      {
        nodes: [{ op: 'Mul', inputs: ['x', 'w'], outputs: ['y'] }],
        inputs: [{ name: 'x', shape: ['batch', 3] }],
        outputs: [{ name: 'y', shape: ['batch', 3] }],
        initializers: [{ name: 'w', type: 'float', dims: [3], data: new Float32Array([1.5, -2, 0.25]) }],
      },
      { graphName: 'g', producerVersion: '1.2.3', metadata: { run: 'r1', latent_size: '100' } },
    );
    const m = decodeOnnxModel(bytes);
    assert.equal(Number(m.irVersion), 8);
    assert.equal(m.producerVersion, '1.2.3');
    assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', 17]]);
    assert.deepEqual(m.metadataProps.map((p) => [p.key, p.value]), [['run', 'r1'], ['latent_size', '100']]);
    const dims = m.graph!.input![0].type!.tensorType!.shape!.dim!;
    assert.equal(dims[0].dimParam, 'batch');
    assert.equal(Number(dims[1].dimValue), 3);
    const raw = m.graph!.initializer![0].rawData!;
    assert.deepEqual(Array.from(new Float32Array(Uint8Array.from(raw).buffer)), [1.5, -2, 0.25]);
  });
});
