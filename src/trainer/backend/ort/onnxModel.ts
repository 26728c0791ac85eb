/**
 * ONNX models from a small graph description, encoded by onnx-proto (protobufjs code generated
 * from onnx/onnx.proto). Shared by the trainer's per-shape convolution graphs (convModels.ts) and
 * the generator's ONNX export (src/generator/onnxExport.ts). IR version 8, opset 17.
 */
import { onnx } from 'onnx-proto';

export const ONNX_IR_VERSION = 8;
export const ONNX_OPSET = 17;

export type AttributeValue = number | readonly number[] | { float: number } | { string: string };

export interface OnnxNode {
  op: string;
  /** NodeProto.name (default "<op>_<index>"). */
  name?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
}

export interface OnnxValue {
  name: string;
  /** A number is a fixed size; a string a symbolic one (e.g. "batch"). */
  shape: readonly (number | string)[];
}

export interface OnnxInitializer {
  name: string;
  type: 'float' | 'int64' | 'int32';
  dims: readonly number[];
  data: readonly number[] | Float32Array | Int32Array;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
}

export interface OnnxModelInfo {
  /** GraphProto.name (default "kernel"). */
  graphName?: string;
  producerVersion?: string;
  docString?: string;
  /** ModelProto.metadata_props, in this order. */
  metadata?: Record<string, string>;
}

const DATA_TYPE = { float: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, int32: onnx.TensorProto.DataType.INT32 } as const;

function tensor(t: OnnxInitializer): onnx.ITensorProto {
  const bytes =
    t.type === 'float'
      ? new Uint8Array(Float32Array.from(t.data).buffer)
      : t.type === 'int32'
        ? new Uint8Array(Int32Array.from(t.data).buffer)
        : new Uint8Array(BigInt64Array.from(t.data, (x) => BigInt(x)).buffer);
  // raw_data is little endian, which typed arrays are on every platform Node.js runs on.
  return { dims: [...t.dims], dataType: DATA_TYPE[t.type], name: t.name, rawData: bytes };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  if (typeof value === 'number') return { name, i: value, type: onnx.AttributeProto.AttributeType.INT };
  if (Array.isArray(value)) return { name, ints: [...(value as number[])], type: onnx.AttributeProto.AttributeType.INTS };
  if ('string' in value) return { name, s: new TextEncoder().encode(value.string), type: onnx.AttributeProto.AttributeType.STRING };
  return { name, f: (value as { float: number }).float, type: onnx.AttributeProto.AttributeType.FLOAT };
}

function valueInfo(value: OnnxValue): onnx.IValueInfoProto {
  const dim = value.shape.map((d): onnx.TensorShapeProto.IDimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: value.name, type: { tensorType: { elemType: DATA_TYPE.float, shape: { dim } } } };
}

/** Serialises a graph as an ONNX ModelProto that onnxruntime's InferenceSession accepts. */
export function buildOnnxModel(graph: OnnxGraph, info: OnnxModelInfo = {}): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    producerName: 'gan-studio',
    ...(info.producerVersion !== undefined ? { producerVersion: info.producerVersion } : {}),
    ...(info.docString !== undefined ? { docString: info.docString } : {}),
    graph: {
      node: graph.nodes.map((node, i) => ({
        input: node.inputs,
        output: node.outputs,
        name: node.name ?? `${node.op}_${i}`,
        opType: node.op,
        attribute: Object.entries(node.attrs ?? {}).map(([key, value]) => attribute(key, value)),
      })),
      name: info.graphName ?? 'kernel',
      initializer: (graph.initializers ?? []).map(tensor),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
    },
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes an ONNX model (for tests and checks). */
export function decodeOnnxModel(bytes: Uint8Array): onnx.ModelProto {
  return onnx.ModelProto.decode(bytes);
}
