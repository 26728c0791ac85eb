/** The host side of the dashboard in plain Node: following metrics.jsonl, throttling, CSV, HTML. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../src/common/atomicFile';
import { contentSecurityPolicy, dashboardHtml } from '../../../src/extension/dashboard/dashboardHtml';
import { CSV_HEADER, csvField, metricsCsv } from '../../../src/extension/dashboard/metricsCsv';
import { MetricsTail } from '../../../src/extension/dashboard/metricsTail';
import { Clock, Throttle } from '../../../src/extension/dashboard/throttle';
import { METRICS_FILE } from '../../../src/protocol/runFormat';
import { recordLines, syntheticRecords, tempRunsRoot } from '../../fixtures/runFixtures';

describe('dashboard host: following metrics.jsonl', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempRunsRoot();
    file = path.join(dir, METRICS_FILE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads nothing before the file exists, then the whole file, then only what was appended', () => {
    const tail = new MetricsTail(dir);
    assert.deepEqual(tail.read(), { kind: 'append', records: [], badLines: 0 });
    const records = syntheticRecords(10);
    fs.writeFileSync(file, recordLines(records.slice(0, 6)));
    const first = tail.read();
    assert.equal(first.kind, 'append');
    assert.deepEqual(first.records.map((r) => r.step), [0, 1, 2, 3, 4, 5]);
    assert.equal(tail.read().records.length, 0, 'nothing new');
    fs.appendFileSync(file, recordLines(records.slice(6)));
    assert.deepEqual(tail.read().records.map((r) => r.step), [6, 7, 8, 9]);
  });

  it('waits for the end of a torn last line', () => {
    const tail = new MetricsTail(dir);
    const [a, b] = syntheticRecords(2);
    const line = JSON.stringify(b);
    fs.writeFileSync(file, `${JSON.stringify(a)}\n${line.slice(0, 20)}`);
    assert.deepEqual(tail.read().records.map((r) => r.step), [0]);
    fs.appendFileSync(file, `${line.slice(20)}\n`);
    assert.deepEqual(tail.read().records.map((r) => r.step), [1]);
  });

  it('counts damaged lines and goes on', () => {
    const tail = new MetricsTail(dir);
    const [a, b] = syntheticRecords(2);
    fs.writeFileSync(file, `${JSON.stringify(a)}\n{"nope": true}\nnot json\n${JSON.stringify(b)}\n`);
    const read = tail.read();
    assert.deepEqual(read.records.map((r) => r.step), [0, 1]);
    assert.equal(read.badLines, 2);
  });

  it('reads everything again when a resume rewrote the file (atomically, or in place)', () => {
    const tail = new MetricsTail(dir);
    const records = syntheticRecords(20);
    fs.writeFileSync(file, recordLines(records));
    assert.equal(tail.read().records.length, 20);
    // A resume from step 10 keeps the records before it (a new file, renamed over the old one).
    writeFileAtomic(file, recordLines(records.slice(0, 10)));
    const replaced = tail.read();
    assert.equal(replaced.kind, 'replace');
    assert.equal(replaced.records.length, 10);
    // Then appends again from step 10.
    fs.appendFileSync(file, recordLines(records.slice(10, 12)));
    assert.deepEqual(tail.read(), { kind: 'append', records: records.slice(10, 12), badLines: 0 });
    // A rewrite in place that is longer than before: the steps go back, so it is read again.
    const other = syntheticRecords(30, 0, { seed: 9 });
    fs.writeFileSync(file, recordLines(other));
    const again = tail.read();
    assert.equal(again.kind, 'replace');
    assert.equal(again.records.length, 30);
    // The file disappears (the run was deleted).
    fs.rmSync(file);
    assert.deepEqual(tail.read(), { kind: 'replace', records: [], badLines: 0 });
  });

  it('reads a 100,000-record file, then an append of 100 records by reading only the appended bytes', () => {
    const records = syntheticRecords(100_000, 0, { every: 1 });
    fs.writeFileSync(file, recordLines(records));
    const tail = new MetricsTail(dir);
    assert.equal(tail.read().records.length, 100_000);
    // Damage a line in the middle of what was read: a reader that went over the file again would
    // count a bad line (or replace everything). How fast it is, is measured by bench/dashboard.ts.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, 'XXXXXXXX', 1_000_000);
    fs.closeSync(fd);
    fs.appendFileSync(file, recordLines(syntheticRecords(100, 100_000)));
    const append = tail.read();
    assert.equal(append.kind, 'append');
    assert.equal(append.badLines, 0, 'the bytes read before were not read again');
    assert.deepEqual([append.records.length, append.records[0].step], [100, 100_000]);
  });
});

/** A clock whose time moves only when told. */
class FakeClock implements Clock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const t = this.timers[0];
      if (!t || t.at > end) break;
      this.timers.shift();
      this.time = t.at;
      t.fn();
    }
    this.time = end;
  }
}

describe('dashboard host: throttling', () => {
  it('runs at most once per interval however often it is asked, and runs the last request', () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const throttle = new Throttle(() => runs.push(clock.now()), 100, clock);
    // A trainer logging every 5 ms for one second.
    for (let t = 0; t < 1000; t += 5) {
      throttle.schedule();
      clock.advance(5);
    }
    clock.advance(200);
    assert.ok(runs.length >= 9 && runs.length <= 11, `${runs.length} runs in a second`);
    for (let i = 1; i < runs.length; i++) assert.ok(runs[i] - runs[i - 1] >= 100, `gap ${runs[i] - runs[i - 1]}`);
    assert.ok(runs[runs.length - 1] >= 995, 'the last request was served');
    assert.equal(runs[0], 0, 'the first request after a quiet time runs at once');
  });

  it('runs nothing after dispose', () => {
    const clock = new FakeClock();
    let runs = 0;
    const throttle = new Throttle(() => runs++, 100, clock);
    throttle.schedule();
    throttle.dispose();
    clock.advance(500);
    throttle.schedule();
    clock.advance(500);
    assert.equal(runs, 0);
  });
});

describe('dashboard host: CSV export', () => {
  it('writes every record with a header, quoting names and leaving missing values empty', () => {
    const [a, b] = syntheticRecords(2);
    const csv = metricsCsv([
      { id: 'r1', name: 'quick, "v2"', records: [a] },
      { id: 'r2', name: 'b', records: [{ ...b, dReal: Number.NaN }] },
    ]);
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], CSV_HEADER.join(','));
    assert.equal(lines.length, 3);
    assert.ok(lines[1].startsWith('r1,"quick, ""v2""",0,0,0,'));
    assert.ok(lines[1].includes(new Date(a.time).toISOString()));
    assert.ok(lines[1].includes(String(a.lossD)), 'full precision');
    assert.equal(lines[2].split(',')[9], '', 'a missing value is empty');
    assert.equal(csvField('plain'), 'plain');
  });
});

describe('dashboard host: HTML', () => {
  it('has a strict policy: scripts and styles with the nonce only, nothing remote, no inline', () => {
    const csp = contentSecurityPolicy('https://res.example', 'abc');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!res\.example)/);
    const html = dashboardHtml({ cspSource: 'https://res.example', nonce: 'abc', scriptUri: 's.js', styleUri: 's.css', codiconUri: 'c.css', runDir: '/runs/"<x>"', title: 'T' });
    assert.match(html, /<script nonce="abc" src="s.js">/);
    assert.match(html, /data-run-dir="\/runs\/&quot;&lt;x&gt;&quot;"/);
    assert.match(html, /id="vscode-codicon-stylesheet"/);
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script without a nonce');
  });
});
