/**
 * Synchronous calls into onnxruntime-node from TensorFlow.js kernels (which must return
 * synchronously), with public APIs only: a worker thread owns the InferenceSessions and runs them
 * with the public asynchronous `session.run`, while the calling thread blocks on Atomics.wait.
 * Inputs and outputs cross through one SharedArrayBuffer (ORT does not accept shared memory, so
 * the worker copies into private buffers bound to each session).
 */
import { receiveMessageOnPort, MessageChannel, MessagePort, Worker } from 'node:worker_threads';
import type { KernelModel } from './convModels';

// ctrl slots: request sequence, session id, setup-reply flag, response sequence, response status
const REQUEST = 0;
const SESSION = 1;
const SETUP = 2;
const RESPONSE = 3;
const STATUS = 4;
const OK = 1;
const FAILED = 2;
const ALIGN = 64;
/** A single convolution never takes this long; past it the worker is considered gone. */
const CALL_TIMEOUT_MS = 10 * 60 * 1000;

/** The worker's code, evaluated in a worker thread (so it needs no file of its own in the bundle). */
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const ort = require(workerData.ortPath);
const { port, threads } = workerData;
const ctrl = new Int32Array(workerData.ctrl);
let data = workerData.data;
const sessions = [];
function reply(message) { port.postMessage(message); Atomics.store(ctrl, ${SETUP}, 1); Atomics.notify(ctrl, ${SETUP}); }
function bind(spec) { return { spec, shared: new Float32Array(data, spec.offset, spec.length) }; }
port.on('message', async (m) => {
  try {
    if (m.cmd === 'data') {
      data = m.data;
      for (const s of sessions) { s.ins = s.ins.map((i) => ({ ...i, ...bind(i.spec) })); s.outs = s.outs.map((o) => ({ ...o, ...bind(o.spec) })); }
      reply({ ok: true });
    } else if (m.cmd === 'create') {
      const session = await ort.InferenceSession.create(m.model, {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      const make = (spec) => { const buf = new Float32Array(spec.length); return { ...bind(spec), buf, tensor: new ort.Tensor('float32', buf, spec.shape) }; };
      const ins = m.inputs.map(make);
      const outs = m.outputs.map(make);
      const feeds = {}; m.inputs.forEach((spec, k) => { feeds[spec.name] = ins[k].tensor; });
      const fetches = {}; m.outputs.forEach((spec, k) => { fetches[spec.name] = outs[k].tensor; });
      sessions[m.id] = { session, ins, outs, feeds, fetches };
      reply({ ok: true });
    } else if (m.cmd === 'close') {
      for (const s of sessions) if (s) await s.session.release();
      port.close();
    }
  } catch (error) { reply({ error: String(error && error.message || error) }); }
});
(async () => {
  let seen = Atomics.load(ctrl, ${REQUEST});
  for (;;) {
    const w = Atomics.waitAsync(ctrl, ${REQUEST}, seen);
    if (w.async) await w.value;
    const seq = Atomics.load(ctrl, ${REQUEST});
    if (seq === seen) continue;
    seen = seq;
    let status = ${OK};
    try {
      const s = sessions[Atomics.load(ctrl, ${SESSION})];
      for (const i of s.ins) i.buf.set(i.shared);
      await s.session.run(s.feeds, s.fetches);
      for (const o of s.outs) o.shared.set(o.buf);
    } catch (error) { status = ${FAILED}; port.postMessage({ error: String(error && error.message || error) }); }
    Atomics.store(ctrl, ${STATUS}, status);
    Atomics.store(ctrl, ${RESPONSE}, seq);
    Atomics.notify(ctrl, ${RESPONSE});
  }
})();
`;

interface Slot {
  name: string;
  shape: readonly number[];
  offset: number;
  length: number;
}

interface SessionLayout {
  inputs: Slot[];
  output: Slot;
}

export class OrtBridgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrtBridgeError';
  }
}

export class OrtBridge {
  private readonly ctrl: Int32Array;
  private data: SharedArrayBuffer;
  private view: Float32Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly sessions: SessionLayout[] = [];
  private closed = false;

  /** Starts the worker; `ortPath` is onnxruntime-node's resolved main file. */
  constructor(ortPath: string, threads: number) {
    const ctrlBuffer = new SharedArrayBuffer(32);
    this.ctrl = new Int32Array(ctrlBuffer);
    this.data = new SharedArrayBuffer(16 << 20);
    this.view = new Float32Array(this.data);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ctrl: ctrlBuffer, data: this.data, port: port2, threads, ortPath }, transferList: [port2] });
    this.worker.unref();
  }

  private request(message: object, transfer: readonly never[] = []): void {
    if (this.closed) throw new OrtBridgeError('the onnxruntime bridge is closed');
    this.port.postMessage(message, transfer);
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (;;) {
      Atomics.wait(this.ctrl, SETUP, 0, 1000);
      const reply = receiveMessageOnPort(this.port);
      if (reply) {
        Atomics.store(this.ctrl, SETUP, 0);
        const body = reply.message as { ok?: boolean; error?: string };
        if (body.error) throw new OrtBridgeError(body.error);
        return;
      }
      if (Date.now() > deadline) throw new OrtBridgeError('the onnxruntime worker did not answer');
    }
  }

  private ensureCapacity(bytes: number): void {
    if (bytes <= this.data.byteLength) return;
    let size = this.data.byteLength;
    while (size < bytes) size *= 2;
    this.data = new SharedArrayBuffer(size);
    this.view = new Float32Array(this.data);
    this.request({ cmd: 'data', data: this.data });
  }

  /** Creates a session for a model with fixed shapes; returns its id. Throws if ORT rejects the model. */
  createSession(model: KernelModel): number {
    let offset = 0;
    const slot = (v: { name: string; shape: readonly number[] }): Slot => {
      const length = v.shape.reduce((a, b) => a * b, 1);
      const s = { name: v.name, shape: v.shape, offset, length };
      offset = Math.ceil((offset + 4 * length) / ALIGN) * ALIGN;
      return s;
    };
    const layout: SessionLayout = { inputs: model.inputs.map(slot), output: slot(model.output) };
    this.ensureCapacity(offset);
    const id = this.sessions.length;
    this.request({ cmd: 'create', id, model: model.bytes, inputs: layout.inputs, outputs: [layout.output] });
    this.sessions.push(layout);
    return id;
  }

  /** Runs a session on `inputs` and writes its output into `output` (synchronously). */
  run(id: number, inputs: readonly Float32Array[], output: Float32Array): void {
    const layout = this.sessions[id];
    layout.inputs.forEach((slot, i) => this.view.set(inputs[i], slot.offset >> 2));
    Atomics.store(this.ctrl, SESSION, id);
    const seq = (Atomics.load(this.ctrl, REQUEST) + 1) | 0;
    Atomics.store(this.ctrl, REQUEST, seq);
    Atomics.notify(this.ctrl, REQUEST);
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    while (Atomics.load(this.ctrl, RESPONSE) !== seq) {
      Atomics.wait(this.ctrl, RESPONSE, (seq - 1) | 0, 1000);
      if (Date.now() > deadline) throw new OrtBridgeError('the onnxruntime worker stopped responding');
    }
    if (Atomics.load(this.ctrl, STATUS) === FAILED) {
      const reply = receiveMessageOnPort(this.port);
      throw new OrtBridgeError(`onnxruntime failed: ${(reply?.message as { error?: string } | undefined)?.error ?? 'unknown error'}`);
    }
    output.set(this.view.subarray(layout.output.offset >> 2, (layout.output.offset >> 2) + layout.output.length));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.port.postMessage({ cmd: 'close' });
    await this.worker.terminate();
  }
}
