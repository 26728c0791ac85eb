/** The sweep part of the experiment-file language: diagnostics, hover, completion, the lens. */
import * as assert from 'node:assert/strict';
import { complete, diagnose, hover, summary, trainLenses } from '../../../src/server/experimentService';

const at = (text: string, needle: string, delta = 1) => text.indexOf(needle) + delta;
const cut = (text: string, r: { offset: number; length: number }) => text.substr(r.offset, r.length);

describe('experiment files: sweeps', () => {
  const good = '{\n  "preset": "smoke",\n  "sweep": { "learningRate": [0.0001, 0.0002], "loss": ["bce", "hinge"] }\n}';

  it('accepts a valid sweep, and the lens says how many runs it trains', () => {
    assert.deepEqual(diagnose(good), []);
    assert.match(summary(good)!, /^Sweep of 4 runs \(learningRate × loss\) · each smoke-based · 8 steps/);
    assert.equal(trainLenses(good)[0].train, true);
  });

  it('marks a wrong value inside a list with the key’s own rule, an unknown key on the key, an empty list on the list', () => {
    const text = '{ "sweep": { "learningRate": [0.0002, -1], "los": ["bce"], "loss": [] } }';
    const problems = diagnose(text);
    const lr = problems.find((p) => /learningRate/.test(p.message))!;
    assert.equal(cut(text, lr.range), '-1');
    assert.match(lr.message, /"sweep.learningRate"\[1\] must be greater than 0/);
    const unknown = problems.find((p) => /Unknown setting "los"/.test(p.message))!;
    assert.equal(cut(text, unknown.range), '"los"');
    const empty = problems.find((p) => /empty list/.test(p.message))!;
    assert.equal(cut(text, empty.range), '[]');
    assert.equal(trainLenses(text)[0].train, false, 'the lens says why it cannot train');
  });

  it('warns above 32 combinations, and refuses an invalid combination', () => {
    const big = '{ "sweep": { "seed": [1, 2, 3, 4, 5, 6, 7, 8, 9], "batchSize": [16, 32, 64, 128] } }';
    const [w] = diagnose(big);
    assert.equal(w.severity, 'warning');
    assert.match(w.message, /36 combinations/);
    const bad = '{ "labelSmoothing": 0.1, "sweep": { "loss": ["bce", "hinge"] } }';
    const [e] = diagnose(bad);
    assert.equal(e.severity, 'error');
    assert.match(e.message, /Combination 2 \(loss=hinge\)/);
    assert.match(diagnose('{ "sweepParallel": 9, "sweep": { "seed": [1] } }')[0].message, /"sweepParallel" must be an integer from 1 to 8/);
  });

  it('hovers the sweep with its combination count and order, and a swept key with its doc', () => {
    const h = hover(good, at(good, '"sweep"'))!;
    assert.match(h.markdown, /\*\*4 combinations\*\*/);
    assert.match(h.markdown, /1\. lr=0\.0001 loss=bce\n2\. lr=0\.0001 loss=hinge\n3\. lr=0\.0002 loss=bce/);
    const k = hover(good, at(good, '"loss"'))!;
    assert.match(k.markdown, /\*\*loss\*\* \(swept over 2 values\) — GAN loss/);
    assert.equal(cut(good, k.range), '"loss"');
  });

  it('completes sweepable keys inside the sweep, the values of a swept enum, and offers sweep at the top', () => {
    const text = '{ "sweep": { "learningRate": [0.0001], "" } }';
    const keys = complete(text, at(text, '""')).map((c) => c.label);
    assert.ok(keys.includes('loss') && keys.includes('seed'));
    assert.ok(!keys.includes('learningRate') && !keys.includes('name') && !keys.includes('preset'));
    const v = '{ "sweep": { "loss": ["bce", ] } }';
    assert.deepEqual(complete(v, at(v, ', ', 2)).map((c) => c.label), ['bce', 'hinge', 'lsgan']);
    const top = complete('{ "" }', 3).map((c) => c.label);
    assert.ok(top.includes('sweep') && top.includes('sweepParallel'));
  });
});
