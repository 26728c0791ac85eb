/**
 * A small builder of ONNX graphs (nodes, constants, inputs, outputs) on top of onnxModel.ts's
 * onnx-proto encoder: each op returns the name of its output, so a graph reads like the maths.
 */
import { AttributeValue, buildOnnxModel, OnnxGraph, OnnxInitializer, OnnxModelInfo, OnnxNode, OnnxValue } from '../backend/ort/onnxModel';

export type Name = string;

export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly inputs: OnnxValue[] = [];
  private readonly outputs: OnnxValue[] = [];
  private readonly constants = new Map<string, Name>();
  private readonly renamed = new Map<Name, Name>();
  private counter = 0;
  /** Prefixes the names of the values and nodes made next (e.g. "D.fwd.1"), so profiles read by layer. */
  scope = '';

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): Name {
    return `${this.scope ? `${this.scope}/` : ''}${prefix}_${this.counter++}`;
  }

  input(name: Name, shape: readonly number[]): Name {
    this.inputs.push({ name, shape });
    return name;
  }

  /**
   * Declares `value` as the graph output `name`: the node that makes `value` is renamed to write
   * `name` (no copy); an Identity only where `value` is a graph input, a constant or already an output.
   */
  output(name: Name, value: Name, shape: readonly number[]): void {
    value = this.renamed.get(value) ?? value;
    const producer = this.nodes.find((node) => node.outputs.includes(value));
    if (value !== name && producer && !this.outputs.some((o) => o.name === value)) {
      for (const node of this.nodes) {
        node.inputs = node.inputs.map((i) => (i === value ? name : i));
        node.outputs = node.outputs.map((o) => (o === value ? name : o));
      }
      this.renamed.set(value, name);
    } else if (value !== name) {
      this.nodes.push({ op: 'Identity', name, inputs: [value], outputs: [name] });
    }
    this.outputs.push({ name, shape });
  }

  /** One node with one output; `prefix` names the output. */
  op(op: string, inputs: Name[], attrs?: Record<string, AttributeValue>, prefix = op.toLowerCase()): Name {
    const out = this.fresh(prefix);
    this.nodes.push({ op, name: out, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }

  /** A node with several outputs. */
  opN(op: string, inputs: Name[], count: number, attrs?: Record<string, AttributeValue>): Name[] {
    const outs = Array.from({ length: count }, () => this.fresh(op.toLowerCase()));
    this.nodes.push({ op, name: outs[0], inputs, outputs: outs, ...(attrs ? { attrs } : {}) });
    return outs;
  }

  /** An int64 constant (shapes, axes, slice bounds), shared between uses. */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): Name {
    return this.constant('int64', values, dims);
  }

  /** An int32 constant known by `key` (large index tensors, made once per key). */
  indices(key: string, make: () => Int32Array, dims: readonly number[]): Name {
    const full = `int32:${key}`;
    const known = this.constants.get(full);
    if (known) return known;
    const name = this.fresh('idx');
    this.initializers.push({ name, type: 'int32', dims, data: make() });
    this.constants.set(full, name);
    return name;
  }

  /** A float constant; a single number is a scalar. */
  float(values: number | readonly number[], dims?: readonly number[]): Name {
    const data = typeof values === 'number' ? [values] : values;
    return this.constant('float', data, dims ?? (typeof values === 'number' ? [] : [data.length]));
  }

  private constant(type: 'float' | 'int64', data: readonly number[], dims: readonly number[]): Name {
    const key = `${type}:${dims.join('x')}:${data.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh(type === 'float' ? 'f' : 'i');
    this.initializers.push({ name, type, dims, data });
    this.constants.set(key, name);
    return name;
  }

  // Shorthands for the ops the training graphs use.
  add = (a: Name, b: Name) => this.op('Add', [a, b]);
  sub = (a: Name, b: Name) => this.op('Sub', [a, b]);
  mul = (a: Name, b: Name) => this.op('Mul', [a, b]);
  div = (a: Name, b: Name) => this.op('Div', [a, b]);
  matmul = (a: Name, b: Name) => this.op('MatMul', [a, b]);
  reshape = (x: Name, shape: readonly number[]) => this.op('Reshape', [x, this.ints(shape)]);
  transpose = (x: Name, perm: readonly number[]) => this.op('Transpose', [x], { perm });
  reduceMean = (x: Name, axes: readonly number[], keep = 1) => this.op('ReduceMean', [x], { axes, keepdims: keep });
  reduceSum = (x: Name, axes: readonly number[], keep = 1) => this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keep });
  concat = (xs: Name[], axis: number) => this.op('Concat', xs, { axis });
  slice = (x: Name, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[]) =>
    this.op('Slice', [x, this.ints(starts), this.ints(ends), this.ints(axes), ...(steps ? [this.ints(steps)] : [])]);

  graph(): OnnxGraph {
    return { nodes: this.nodes, inputs: this.inputs, outputs: this.outputs, initializers: this.initializers };
  }

  encode(info: OnnxModelInfo = {}): Uint8Array {
    return buildOnnxModel(this.graph(), info);
  }
}
