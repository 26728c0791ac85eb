import * as assert from 'node:assert/strict';
import { compileFilter, FilterError, parseFilter } from '../../../webview/runsTable/model/filter';
import { buildColumns, filterColumns, filterRows } from '../../../webview/runsTable/model/table';
import { sweep } from './fixtures';

function names(expression: string, text = ''): string[] {
  const rows = sweep();
  return filterRows(rows, buildColumns(rows), text, expression).map((r) => r.name);
}

function error(expression: string): FilterError {
  try {
    names(expression);
  } catch (e) {
    assert.ok(e instanceof FilterError, String(e));
    return e;
  }
  assert.fail(`"${expression}" should not parse`);
}

describe('runs table: filter expressions', () => {
  it('parses and/or/not with precedence and parentheses', () => {
    assert.deepEqual(parseFilter('a = 1 or b = 2 and not c ~ x'), {
      kind: 'or',
      left: { kind: 'cmp', column: 'a', op: '=', value: 1 },
      right: { kind: 'and', left: { kind: 'cmp', column: 'b', op: '=', value: 2 }, right: { kind: 'not', operand: { kind: 'cmp', column: 'c', op: '~', value: 'x' } } },
    });
    assert.equal(parseFilter('   '), null);
  });

  it('filters on config keys (with aliases), status, tags and results', () => {
    assert.deepEqual(names('lr < 2e-4 and status = completed'), ['a1', 'a2']);
    assert.deepEqual(names('learningRate >= 0.0002'), ['b1', 'b2', 'c1']);
    assert.deepEqual(names('tags ~ base'), ['b1', 'b2']);
    assert.deepEqual(names('tag = sweep'), ['b2']);
    assert.deepEqual(names('lossD < 0.9'), ['b1', 'b2'], 'a run without the figure does not match');
    assert.deepEqual(names('(batch = 128 or seed = 2) and not backend = cpu'), ['a2', 'b2']);
    assert.deepEqual(names('name ~ "b"'), ['b1', 'b2']);
    assert.deepEqual(names('', 'baseline'), ['b1', 'b2'], 'free text matches tags');
  });

  it('says what is wrong and where', () => {
    assert.match(error('lrr < 1').message, /^Unknown column "lrr" — did you mean "lr"\? Columns: status, name, tag/);
    assert.match(error('lr <').message, /Expected a value after "lr <" at 5/);
    assert.match(error('lr 0.1').message, /Expected a comparison \(=, !=, <, <=, >, >=, ~\) after "lr" at 4, found "0.1"/);
    assert.match(error('(lr < 1').message, /Expected "\)" at 8 to close the "\(" at 1/);
    assert.match(error('lr < 1 seed = 2').message, /Unexpected "seed" at 8: join conditions with "and" or "or"/);
    assert.match(error('name = "open').message, /no closing "/);
    assert.equal(error('and').at, 0);
  });

  it('compiles against any row shape', () => {
    const cols = filterColumns([{ id: 'x', label: 'x', kind: 'number', group: 'run' }]);
    const keep = compileFilter<{ x: number }>('x > 1', cols, (r) => r.x);
    assert.deepEqual([{ x: 1 }, { x: 2 }].filter(keep), [{ x: 2 }]);
  });
});
