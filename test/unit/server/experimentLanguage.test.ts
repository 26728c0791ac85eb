/** The experiment-file language: the pure service, and the server over in-memory streams. */
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import { complete, diagnose, hover, summary } from '../../../src/server/experimentService';
import { listen } from '../../../src/server/languageServer';

const at = (text: string, needle: string, delta = 1) => text.indexOf(needle) + delta;

describe('experiment files: the language service', () => {
  it('accepts a valid file and summarises what it trains', () => {
    const text = '{\n  "preset": "quick",\n  "epochs": 3\n}';
    assert.deepEqual(diagnose(text), []);
    assert.equal(summary(text), 'quick-based · 700 steps (938 per epoch over 60,000 images) · batch 64 · width 32');
  });

  it('marks an invalid value on the value, with the rule', () => {
    const text = '{ "learningRate": -1 }';
    const [p] = diagnose(text);
    assert.equal(p.severity, 'error');
    assert.equal(text.substr(p.range.offset, p.range.length), '-1');
    assert.match(p.message, /"learningRate" must be greater than 0/);
  });

  it('marks an unknown key and suggests the right one', () => {
    const text = '{ "lerningRate": 0.001 }';
    const [p] = diagnose(text);
    assert.equal(text.substr(p.range.offset, p.range.length), '"lerningRate"');
    assert.equal(p.message, 'Unknown setting "lerningRate". Did you mean "learningRate"?');
  });

  it('reports JSON syntax errors, duplicate keys and cross-field problems', () => {
    assert.match(diagnose('{ "epochs": 3, }')[0].message, /^JSON: /);
    assert.match(diagnose('{ "epochs": 3, "epochs": 4 }')[0].message, /set twice/);
    assert.match(diagnose('{ "batchSize": 128, "trainSubset": 64 }')[0].message, /smaller than "batchSize"/);
    assert.match(diagnose('[1, 2]')[0].message, /JSON object/);
  });

  it('warns about a learning rate that makes a DCGAN diverge', () => {
    const [p] = diagnose('{ "learningRate": 0.01 }');
    assert.equal(p.severity, 'warning');
  });

  it('explains a key on hover, with the reference value and the preset’s', () => {
    const text = '{ "preset": "quick", "batchSize": 32 }';
    const h = hover(text, at(text, '"batchSize"'))!;
    assert.match(h.markdown, /\*\*batchSize\*\* — Images per batch/);
    assert.match(h.markdown, /Reference lesson: `128`/);
    assert.match(h.markdown, /quick preset: `64`/);
    assert.equal(text.substr(h.range.offset, h.range.length), '"batchSize"');
  });

  it('completes keys that are not set yet, and enum values', () => {
    const text = '{ "epochs": 3, "" }';
    const keys = complete(text, at(text, '""')).map((c) => c.label);
    assert.ok(keys.includes('learningRate') && !keys.includes('epochs'));
    const values = '{ "backend": "" }';
    assert.deepEqual(complete(values, at(values, '""')).map((c) => c.label), ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  });

  it('knows the losses and stabilisers: hover, completion of values, and wgan-gp refused with the reason', () => {
    const text = '{ "loss": "hinge", "spectralNorm": true }';
    assert.deepEqual(diagnose(text), []);
    const h = hover(text, at(text, '"loss"'))!;
    assert.match(h.markdown, /\*\*loss\*\* — GAN loss on D's logits: bce \(the lesson/);
    assert.match(h.markdown, /Reference lesson: `"bce"`/);
    assert.match(hover(text, at(text, '"spectralNorm"'))!.markdown, /power iteration per D update/);
    const values = '{ "loss": "" }';
    assert.deepEqual(complete(values, at(values, '""')).map((c) => c.label), ['bce', 'hinge', 'lsgan']);
    const flag = '{ "spectralNorm":  }';
    assert.deepEqual(complete(flag, at(flag, ':  ', 2)).map((c) => c.label), ['true', 'false']);
    const keys = complete('{ "" }', 3);
    const sn = keys.find((c) => c.label === 'spectralNorm')!;
    assert.equal(sn.insertText, '"spectralNorm": ${1|false,true|}');
    assert.ok(['loss', 'dSteps', 'learningRateD', 'learningRateG', 'labelSmoothing', 'instanceNoise', 'instanceNoiseDecaySteps', 'gEma'].every((k) => keys.some((c) => c.label === k)));
    const refused = '{ "loss": "wgan-gp" }';
    const [p] = diagnose(refused);
    assert.equal(refused.substr(p.range.offset, p.range.length), '"wgan-gp"');
    assert.match(p.message, /gradients of gradients/);
  });

  it('knows conditional and imageSize: hover, completion of values, and a wrong image size or sampleCount marked', () => {
    const text = '{ "preset": "quick", "conditional": true, "imageSize": 64 }';
    assert.deepEqual(diagnose(text), []);
    assert.match(hover(text, at(text, '"conditional"'))!.markdown, /projection discriminator \(Miyato & Koyama 2018/);
    assert.match(hover(text, at(text, '"imageSize"'))!.markdown, /Reference lesson: `32`/);
    const sizes = '{ "imageSize":  }';
    assert.deepEqual(complete(sizes, at(sizes, ':  ', 2)).map((c) => c.label), ['32', '64']);
    const keys = complete('{ "" }', 3);
    assert.equal(keys.find((c) => c.label === 'imageSize')!.insertText, '"imageSize": ${1|32,64|}');
    assert.equal(keys.find((c) => c.label === 'conditional')!.insertText, '"conditional": ${1|false,true|}');
    const bad = '{ "imageSize": 48 }';
    const [p] = diagnose(bad);
    assert.equal(bad.substr(p.range.offset, p.range.length), '48');
    assert.match(p.message, /"imageSize" must be 32 or 64, not 48/);
    const count = '{ "conditional": true, "sampleCount": 64 }';
    assert.match(diagnose(count)[0].message, /"sampleCount" must be 80/);
  });
});

describe('experiment files: the language server (in-memory streams)', () => {
  it('publishes diagnostics for an opened file and offers the train lens', async () => {
    const up = new PassThrough();
    const down = new PassThrough();
    listen(createConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
    const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    const diagnostics = new Promise<{ uri: string; diagnostics: { message: string; range: { start: { line: number } } }[] }>((resolve) =>
      client.onNotification('textDocument/publishDiagnostics', resolve),
    );
    client.listen();
    const init = await client.sendRequest<{ capabilities: { hoverProvider: boolean } }>('initialize', { processId: null, rootUri: null, capabilities: {} });
    assert.equal(init.capabilities.hoverProvider, true);
    await client.sendNotification('initialized', {});
    const uri = 'file:///w/lr.gan.json';
    await client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'json', version: 1, text: '{\n  "epochs": 0\n}' } });
    const published = await diagnostics;
    assert.equal(published.uri, uri);
    assert.equal(published.diagnostics[0].range.start.line, 1);
    assert.match(published.diagnostics[0].message, /"epochs" must be an integer from 1/);
    await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: '{ "epochs": 2 }' }] });
    const lenses = await client.sendRequest<{ command: { title: string; command: string; arguments?: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(lenses[0].command.command, 'ganStudio.trainGan');
    assert.deepEqual(lenses[0].command.arguments, [{ experimentFile: uri }]);
    assert.match(lenses[1].command.title, /reference-based · 938 steps/);
    await client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: '{ "epochs": 0, "batchSze": 8 }' }] });
    const invalid = await client.sendRequest<{ command: { title: string; command: string; tooltip?: string } }[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.equal(invalid.length, 1, 'the lens stays, disabled');
    assert.equal(invalid[0].command.command, '', 'not clickable');
    assert.match(invalid[0].command.title, /^\$\(circle-slash\) Train this experiment — unavailable: "epochs" must be an integer from 1.* \(and 1 more problem\)$/);
    assert.match(invalid[0].command.tooltip!, /Problems panel/);
    client.dispose();
  });
});
