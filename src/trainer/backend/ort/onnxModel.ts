/**
 * A minimal ONNX model writer: the protobuf messages a small inference graph needs (ModelProto,
 * GraphProto, NodeProto, AttributeProto, ValueInfoProto, TensorProto), encoded by hand so that
 * the trainer can build one tiny model per convolution shape in memory. Field numbers follow
 * onnx/onnx.proto; IR version 8, opset 17.
 */

class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  varint(value: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(value));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, f: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, f, true);
    this.len += 4;
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: readonly number[]): void {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const DATA_TYPE = { float: 1, int64: 7 } as const;
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, INTS: 7 } as const;

export type AttributeValue = number | readonly number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
}

export interface OnnxValue {
  name: string;
  shape: readonly number[];
}

export interface OnnxInitializer {
  name: string;
  type: 'float' | 'int64';
  dims: readonly number[];
  data: readonly number[];
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  initializers?: OnnxInitializer[];
}

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, DATA_TYPE[t.type]);
  w.string(8, t.name);
  const raw = t.type === 'float' ? new Uint8Array(Float32Array.from(t.data).buffer) : new Uint8Array(BigInt64Array.from(t.data, (x) => BigInt(x)).buffer);
  w.bytes(9, raw); // raw_data, little endian
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    w.int(3, value);
    w.int(20, ATTRIBUTE_TYPE.INT);
  } else if (Array.isArray(value)) {
    w.packedInts(8, value as number[]);
    w.int(20, ATTRIBUTE_TYPE.INTS);
  } else {
    w.float(2, (value as { float: number }).float);
    w.int(20, ATTRIBUTE_TYPE.FLOAT);
  }
}

function writeValueInfo(w: ProtoWriter, value: OnnxValue): void {
  w.string(1, value.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DATA_TYPE.float);
      tensor.message(2, (shape) => {
        for (const d of value.shape) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

/** Serialises a graph as an ONNX ModelProto that onnxruntime's InferenceSession accepts. */
export function buildOnnxModel(graph: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version
  w.string(2, 'gan-studio');
  w.message(7, (g) => {
    graph.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${i}`);
        n.string(4, node.op);
        for (const [key, value] of Object.entries(node.attrs ?? {})) n.message(5, (a) => writeAttribute(a, key, value));
      }),
    );
    g.string(2, 'kernel');
    for (const t of graph.initializers ?? []) g.message(5, (tw) => writeTensor(tw, t));
    for (const v of graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (opset) => {
    opset.string(1, '');
    opset.int(2, 17);
  });
  return w.finish();
}
