import * as assert from 'node:assert/strict';
import { parallelLayout } from '../../../webview/runsTable/model/parallel';
import {
  buildColumns,
  cellValue,
  differingConfigKeys,
  formatAge,
  formatGroupCell,
  groupBySeed,
  sortRows,
  toCsv,
  toMarkdown,
} from '../../../webview/runsTable/model/table';
import { row, sweep } from './fixtures';

describe('runs table: model', () => {
  it('has a column for every config key that differs, and for recorded results', () => {
    const rows = sweep();
    assert.deepEqual(differingConfigKeys(rows), ['seed', 'batchSize', 'learningRate'].sort((a, b) => Object.keys(rows[0].config).indexOf(a) - Object.keys(rows[0].config).indexOf(b)));
    const ids = buildColumns(rows).map((c) => c.id);
    assert.deepEqual(ids.slice(0, 3), ['status', 'name', 'tags']);
    assert.ok(ids.includes('config.learningRate') && !ids.includes('config.latentSize'), 'only keys that differ');
    assert.ok(ids.includes('result.lossD') && !ids.includes('result.dReal'), 'results that some run recorded');
    assert.ok(!buildColumns([row('x', {}, { results: {} })]).some((c) => c.group === 'result'), 'no result column without figures');
  });

  it('sorts by any column, missing values last in both directions', () => {
    const rows = sweep();
    const by = (column: string, descending: boolean) => sortRows(rows, { column, descending }, cellValue).map((r) => r.name);
    assert.deepEqual(by('result.lossD', false), ['b2', 'b1', 'a1', 'a2', 'c1']);
    assert.deepEqual(by('result.lossD', true), ['a2', 'a1', 'b1', 'b2', 'c1']);
    assert.deepEqual(by('status', false), ['a1', 'a2', 'b2', 'c1', 'b1']);
    assert.deepEqual(by('config.learningRate', true).slice(0, 1), ['c1']);
  });

  it('groups runs that differ only by seed, with mean and spread', () => {
    const rows = sweep();
    const groups = groupBySeed(rows, buildColumns(rows));
    assert.deepEqual(groups.map((g) => g.rows.map((r) => r.name)), [['a1', 'a2'], ['b1', 'b2'], ['c1']]);
    const b = groups[1];
    assert.ok(Math.abs(b.stats['result.lossD'].mean - 0.7) < 1e-12);
    assert.ok(Math.abs(b.stats['result.lossD'].sd - Math.sqrt(0.02)) < 1e-12);
    const lossD = buildColumns(rows).find((c) => c.id === 'result.lossD')!;
    assert.equal(formatGroupCell(b, lossD), '0.700 ± 0.141');
    const status = buildColumns(rows).find((c) => c.id === 'status')!;
    assert.equal(formatGroupCell(b, status), '2 values');
    const seed = buildColumns(rows).find((c) => c.id === 'config.seed')!;
    assert.equal(formatGroupCell(b, seed), '2 seeds', 'seeds are counted, not averaged');
    const lr = buildColumns(rows).find((c) => c.id === 'config.learningRate')!;
    assert.equal(formatGroupCell(b, lr), '0.0002', 'the config the group shares, without a spread');
  });

  it('exports CSV with raw values and Markdown as shown', () => {
    const rows = sweep().slice(2, 4);
    const cols = buildColumns(rows).filter((c) => ['name', 'tags', 'config.seed', 'result.lossD', 'note'].includes(c.id));
    rows[0].note = 'diverged, "oddly"';
    assert.equal(toCsv(rows, cols), 'name,tags,seed,loss D,note\nb1,baseline,1,0.8,"diverged, ""oddly"""\nb2,baseline;sweep,2,0.6,\n');
    assert.equal(toMarkdown(rows, cols).split('\n')[1], '|---|---|---:|---:|---|');
    assert.match(toMarkdown(rows, cols), /\| b2 \| baseline, sweep \| 2 \| 0\.600 \| {2}\|/);
  });

  it('says the age of a run', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    assert.equal(formatAge('2026-11-26T11:57:00Z', now), '3m ago');
    assert.equal(formatAge('2026-11-24T12:00:00Z', now), '48h ago'.replace('48h', '2d'));
  });

  it('lays out parallel coordinates: a log axis for learning rates, the result last, colour by result', () => {
    const rows = sweep();
    const cols = buildColumns(rows);
    const get = (id: string) => cols.find((c) => c.id === id)!;
    const layout = parallelLayout(rows, [get('config.learningRate'), get('config.batchSize')], get('result.lossD'), { width: 300, height: 200, margin: 20 });
    assert.deepEqual(layout.axes.map((a) => [a.id, a.x]), [['config.learningRate', 20], ['config.batchSize', 150], ['result.lossD', 280]]);
    assert.equal(layout.axes[0].log, false, '1e-4..4e-4 spans a factor of 4: linear');
    const b2 = layout.lines.find((l) => l.key === '/runs/b2')!;
    assert.equal(b2.t, 0, 'the lowest loss');
    assert.equal(layout.lines.find((l) => l.key === '/runs/a2')!.t, 1);
    assert.equal(layout.lines.find((l) => l.key === '/runs/c1')!.points.length, 2, 'no point on an axis without a value');
    const wide = parallelLayout([row('x', { learningRate: 1e-5 }), row('y', { learningRate: 1e-2 })], [{ ...get('config.learningRate') }], get('result.lossD'), { width: 300, height: 200, margin: 20 });
    assert.equal(wide.axes[0].log, true);
  });
});
