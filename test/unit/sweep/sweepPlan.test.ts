/** The sweep plan: schema checks, the cartesian product's order and types, member configs. */
import * as assert from 'node:assert/strict';
import { combinationCount, describeValues, expandCombinations, parseSweep, planSweep, SWEEP_WARN_COMBINATIONS } from '../../../src/protocol/sweepFormat';
import { resolveConfig } from '../../../src/protocol/experimentConfig';

describe('sweep plan', () => {
  it('expands every combination, the first key outermost and the last varying fastest', () => {
    const { spec } = parseSweep({ sweep: { learningRate: [1e-4, 2e-4], loss: ['bce', 'hinge', 'lsgan'] } });
    assert.ok(spec);
    assert.deepEqual(expandCombinations(spec), [
      { learningRate: 1e-4, loss: 'bce' },
      { learningRate: 1e-4, loss: 'hinge' },
      { learningRate: 1e-4, loss: 'lsgan' },
      { learningRate: 2e-4, loss: 'bce' },
      { learningRate: 2e-4, loss: 'hinge' },
      { learningRate: 2e-4, loss: 'lsgan' },
    ]);
    assert.equal(spec.parallel, 1);
  });

  it('keeps the file order of the keys, not the alphabet', () => {
    const { spec } = parseSweep({ sweep: { seed: [1, 2], batchSize: [32, 64] } });
    assert.deepEqual(expandCombinations(spec!).map((v) => Object.keys(v)), [['seed', 'batchSize'], ['seed', 'batchSize'], ['seed', 'batchSize'], ['seed', 'batchSize']]);
    assert.deepEqual(expandCombinations(spec!).map((v) => [v.seed, v.batchSize]), [[1, 32], [1, 64], [2, 32], [2, 64]]);
  });

  it('gives each member a full, valid config with its values and a name that says them', () => {
    const { plan, problems } = planSweep({ preset: 'smoke', maxSteps: 4, sweep: { learningRate: [0.0001, 0.0002], spectralNorm: [false, true] }, sweepParallel: 2 });
    assert.deepEqual(problems, []);
    assert.ok(plan);
    assert.equal(plan.members.length, 4);
    assert.equal(plan.parallel, 2);
    assert.deepEqual(plan.keys, ['learningRate', 'spectralNorm']);
    assert.deepEqual(plan.base, { preset: 'smoke', maxSteps: 4 });
    const m = plan.members[1];
    assert.equal(m.index, 1);
    assert.equal(m.config.learningRate, 0.0001);
    assert.equal(m.config.spectralNorm, true);
    assert.equal(typeof m.config.spectralNorm, 'boolean');
    assert.equal(m.config.maxSteps, 4);
    assert.equal(m.config.preset, 'smoke');
    assert.equal(m.config.name, 'smoke lr=0.0001 spectralNorm=true');
    assert.deepEqual(resolveConfig(m.config).problems, []);
  });

  it('checks each value with the key’s own rule, and names the place', () => {
    const { spec, problems } = parseSweep({ sweep: { learningRate: [0.0002, 0, 'fast'], loss: ['bce', 'wgan-gp'], batchSize: [] } });
    assert.equal(spec, undefined);
    const byPath = new Map(problems.map((p) => [JSON.stringify(p.path), p.message]));
    assert.match(byPath.get('["sweep","learningRate",1]')!, /greater than 0/);
    assert.match(byPath.get('["sweep","learningRate",2]')!, /must be a number/);
    assert.match(byPath.get('["sweep","loss",1]')!, /gradients of gradients/);
    assert.match(byPath.get('["sweep","batchSize"]')!, /empty list/);
    assert.equal(problems.length, 4);
  });

  it('refuses unknown and unsweepable keys, a value that is not a list, and a bad sweepParallel', () => {
    const { problems } = parseSweep({ sweep: { learningRat: [1], name: ['a', 'b'], epochs: 3 }, sweepParallel: 0 });
    const messages = problems.map((p) => p.message).join('\n');
    assert.match(messages, /Unknown setting "learningRat" in "sweep"/);
    assert.match(messages, /"name" cannot be swept/);
    assert.match(messages, /"sweep.epochs" must be a list/);
    assert.match(messages, /"sweepParallel" must be an integer from 1 to 8/);
    assert.match(parseSweep({ sweep: {} }).problems[0].message, /"sweep" is empty/);
    assert.match(parseSweep({ sweep: [1, 2] }).problems[0].message, /must be an object of lists/);
  });

  it('warns above the combination threshold, about duplicates, and about a key set twice', () => {
    const big = { sweep: { seed: [1, 2, 3, 4, 5, 6, 7, 8, 9], batchSize: [16, 32, 64, 128] } };
    assert.equal(combinationCount(big.sweep), 36);
    const { spec, problems } = parseSweep(big);
    assert.ok(spec, 'a warning does not refuse the sweep');
    assert.ok(36 > SWEEP_WARN_COMBINATIONS);
    assert.deepEqual(problems.map((p) => p.severity), ['warning']);
    assert.match(problems[0].message, /36 combinations/);
    const dup = parseSweep({ seed: 3, sweep: { seed: [1, 1] } }).problems.map((p) => p.message);
    assert.ok(dup.some((m) => /lists 1 twice/.test(m)));
    assert.ok(dup.some((m) => /"seed" is also swept/.test(m)));
  });

  it('reports a combination that is invalid together with the file’s other settings', () => {
    const { plan, problems } = planSweep({ preset: 'smoke', labelSmoothing: 0.1, sweep: { loss: ['bce', 'hinge'] } });
    assert.equal(plan, undefined);
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /Combination 2 \(loss=hinge\).*labelSmoothing/);
  });

  it('the base config ignores the sweep keys (resolveConfig accepts them)', () => {
    assert.deepEqual(resolveConfig({ preset: 'smoke', sweep: { seed: [1, 2] }, sweepParallel: 2 }).problems, []);
    assert.equal(describeValues({ learningRate: 0.0002, loss: 'hinge', maxSteps: null }), 'lr=0.0002 loss=hinge maxSteps=null');
  });
});
