/** The sweep's state machine (src/common/sweepRunner.ts) against a fake member runner. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSweep, listSweeps, readSweep, sweepFile, writeSweep } from '../../../src/common/sweepFiles';
import { MemberHandle, MemberLaunch, MemberOutcome, MemberRunner, SweepBusyError, SweepRun } from '../../../src/common/sweepRunner';
import { planSweep } from '../../../src/protocol/sweepFormat';
import { tempDir } from '../helpers';
import { fixtureManifest } from '../../fixtures/runFixtures';

interface FakeMember {
  launch: MemberLaunch;
  runDir: string;
  finish(outcome: MemberOutcome): void;
  stopped: boolean;
}

/** Starts nothing: each launch gets a run folder name and waits until the test finishes it. */
class FakeRunner implements MemberRunner {
  readonly launches: FakeMember[] = [];
  private next = 0;
  failStart = new Set<number>();
  private waiters: (() => void)[] = [];

  async start(launch: MemberLaunch): Promise<MemberHandle> {
    if (this.failStart.has(launch.sweep.index)) throw new Error('the trainer could not start');
    const runDir = launch.runDir ?? path.join(launch.runsRoot, `run-${this.next++}`);
    let resolve!: (o: MemberOutcome) => void;
    const done = new Promise<MemberOutcome>((r) => (resolve = r));
    const member: FakeMember = { launch, runDir, finish: resolve, stopped: false };
    this.launches.push(member);
    this.waiters.splice(0).forEach((w) => w());
    return {
      runDir,
      done,
      stop: async () => {
        member.stopped = true;
        resolve({ status: 'stopped' });
      },
    };
  }

  /** Waits until `count` launches have happened. */
  async launched(count: number): Promise<FakeMember[]> {
    while (this.launches.length < count) await new Promise<void>((r) => this.waiters.push(r));
    await new Promise((r) => setImmediate(r));
    return this.launches;
  }
}

function readSweepFixture() {
  const { plan } = planSweep({ preset: 'smoke', sweep: { seed: [1] } });
  return JSON.parse(JSON.stringify(createSweep(tempDir('gan-studio-sweep-fixture-'), plan!, null)));
}

const tick = () => new Promise((r) => setImmediate(r));

function makeSweep(root: string, values = [1, 2, 3], parallel = 1): string {
  const { plan } = planSweep({ preset: 'smoke', sweep: { seed: values }, sweepParallel: parallel });
  return createSweep(root, plan!, '/w/seeds.gan.json').id;
}

describe('sweep runner (state machine)', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('gan-studio-sweep-');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('writes a new sweep with every member pending, and lists it', () => {
    const id = makeSweep(root);
    const m = readSweep(root, id);
    assert.equal(m.state, 'stopped');
    assert.deepEqual(m.members.map((x) => [x.index, x.status, x.runId, x.values.seed]), [[0, 'pending', null, 1], [1, 'pending', null, 2], [2, 'pending', null, 3]]);
    assert.equal(m.source, '/w/seeds.gan.json');
    assert.deepEqual(listSweeps(root).map((s) => s.id), [id]);
    assert.ok(fs.existsSync(sweepFile(root, id)));
    assert.deepEqual(fs.readdirSync(path.dirname(sweepFile(root, id))), ['sweep.json'], 'no temporary files left');
  });

  it('trains the members one at a time in plan order, recording each run', async () => {
    const id = makeSweep(root);
    const runner = new FakeRunner();
    const run = new SweepRun(root, id, runner);
    const done = run.start();
    let l = await runner.launched(1);
    assert.equal(l.length, 1, 'one at a time');
    assert.deepEqual(l[0].launch.sweep, { id, index: 0, count: 3, values: { seed: 1 } });
    assert.equal(l[0].launch.mode, 'start');
    assert.equal(readSweep(root, id).state, 'running');
    assert.equal(readSweep(root, id).members[0].runId, 'run-0');
    assert.equal(readSweep(root, id).owner?.pid, process.pid);
    l[0].finish({ status: 'completed' });
    l = await runner.launched(2);
    assert.equal(readSweep(root, id).members[0].status, 'completed');
    assert.equal(readSweep(root, id).members[1].status, 'running');
    l[1].finish({ status: 'completed' });
    l = await runner.launched(3);
    l[2].finish({ status: 'completed' });
    const final = await done;
    assert.equal(final.state, 'completed');
    assert.deepEqual(readSweep(root, id).members.map((m) => [m.status, m.runId]), [['completed', 'run-0'], ['completed', 'run-1'], ['completed', 'run-2']]);
    assert.equal(readSweep(root, id).owner, null);
  });

  it('trains `parallel` members at once', async () => {
    const id = makeSweep(root, [1, 2, 3], 2);
    const runner = new FakeRunner();
    const done = new SweepRun(root, id, runner).start();
    const l = await runner.launched(2);
    await tick();
    assert.equal(l.length, 2);
    assert.deepEqual(readSweep(root, id).members.map((m) => m.status), ['running', 'running', 'pending']);
    l[1].finish({ status: 'completed' });
    await runner.launched(3);
    l[0].finish({ status: 'completed' });
    l[2].finish({ status: 'completed' });
    assert.equal((await done).state, 'completed');
  });

  it('stops, then resumes where it stopped: finished kept, the stopped member continued from its run, pending started', async () => {
    const id = makeSweep(root);
    const runner = new FakeRunner();
    const run = new SweepRun(root, id, runner);
    const done = run.start();
    let l = await runner.launched(1);
    l[0].finish({ status: 'completed' });
    l = await runner.launched(2);
    const stopped = await run.stop();
    assert.equal(l[1].stopped, true);
    assert.equal(stopped.state, 'stopped');
    assert.equal((await done).state, 'stopped');
    assert.deepEqual(readSweep(root, id).members.map((m) => m.status), ['completed', 'stopped', 'pending']);
    assert.equal(runner.launches.length, 2, 'no member starts after a stop');

    const again = new FakeRunner();
    const resumed = new SweepRun(root, id, again).start();
    let r = await again.launched(1);
    assert.equal(r[0].launch.mode, 'resume');
    assert.equal(r[0].launch.sweep.index, 1);
    assert.equal(r[0].launch.runDir, path.join(root, 'run-1'), 'the stopped member continues in its own run folder');
    r[0].finish({ status: 'completed' });
    r = await again.launched(2);
    assert.equal(r[1].launch.mode, 'start');
    assert.equal(r[1].launch.sweep.index, 2);
    r[1].finish({ status: 'completed' });
    assert.equal((await resumed).state, 'completed');
    assert.equal(again.launches.length, 2, 'the completed member is not trained again');
  });

  it('a member stopped on its own (VS Code closing) stops the sweep', async () => {
    const id = makeSweep(root);
    const runner = new FakeRunner();
    const done = new SweepRun(root, id, runner).start();
    const l = await runner.launched(1);
    l[0].finish({ status: 'stopped' });
    assert.equal((await done).state, 'stopped');
    assert.deepEqual(readSweep(root, id).members.map((m) => m.status), ['stopped', 'pending', 'pending']);
  });

  it('goes on after a failed member, ends failed, and a resume retries it from its run', async () => {
    const id = makeSweep(root, [1, 2]);
    const runner = new FakeRunner();
    runner.failStart.add(1);
    const done = new SweepRun(root, id, runner).start();
    const l = await runner.launched(1);
    l[0].finish({ status: 'failed', error: 'NaN losses' });
    const final = await done;
    assert.equal(final.state, 'failed');
    assert.deepEqual(final.members.map((m) => [m.status, m.error, m.runId]), [['failed', 'NaN losses', 'run-0'], ['failed', 'the trainer could not start', null]]);

    const again = new FakeRunner();
    const resumed = new SweepRun(root, id, again).start();
    const r = await again.launched(1);
    assert.equal(r[0].launch.mode, 'resume');
    r[0].finish({ status: 'completed' });
    const r2 = await again.launched(2);
    assert.equal(r2[1].launch.mode, 'start', 'a member that never had a run starts from scratch');
    r2[1].finish({ status: 'completed' });
    assert.equal((await resumed).state, 'completed');
  });

  it('continues a member left running by a driver that is gone (killed), and refuses one that is alive', async () => {
    const id = makeSweep(root, [1, 2]);
    const m = readSweep(root, id);
    m.state = 'running';
    m.members[0].status = 'running';
    m.members[0].runId = 'run-killed';
    m.owner = { pid: 2 ** 22 + 12345, hostname: os.hostname() };
    writeSweep(root, m);
    const runner = new FakeRunner();
    const done = new SweepRun(root, id, runner).start();
    const l = await runner.launched(1);
    assert.equal(l[0].launch.mode, 'resume');
    assert.equal(l[0].launch.runDir, path.join(root, 'run-killed'));
    l[0].finish({ status: 'completed' });
    (await runner.launched(2))[1].finish({ status: 'completed' });
    assert.equal((await done).state, 'completed');

    const live = readSweep(root, id);
    live.state = 'running';
    live.owner = { pid: process.ppid, hostname: os.hostname() };
    writeSweep(root, live);
    assert.throws(() => new SweepRun(root, id, new FakeRunner()).start(), SweepBusyError);
  });

  it('takes a member whose run completed after its driver last wrote sweep.json as completed', async () => {
    const id = makeSweep(root, [1, 2]);
    const m = readSweep(root, id);
    m.state = 'running';
    m.members[0].status = 'running';
    m.members[0].runId = 'run-done';
    writeSweep(root, m);
    fs.mkdirSync(path.join(root, 'run-done'));
    fs.writeFileSync(path.join(root, 'run-done', 'run.json'), JSON.stringify({ ...fixtureManifest({ status: 'completed', id: 'run-done' }), pid: null }));
    const runner = new FakeRunner();
    const done = new SweepRun(root, id, runner).start();
    const l = await runner.launched(1);
    assert.equal(l[0].launch.sweep.index, 1, 'the completed member is not trained again');
    l[0].finish({ status: 'completed' });
    assert.equal((await done).state, 'completed');
  });

  it('refuses a damaged sweep.json with a message that names the file', () => {
    const id = makeSweep(root);
    fs.writeFileSync(sweepFile(root, id), JSON.stringify({ formatVersion: 1, id, name: 'x', keys: [], members: [{ index: 3 }], state: 'running' }));
    assert.throws(() => readSweep(root, id), /sweep\.json: member 0 is damaged/);
    assert.ok('error' in listSweeps(root)[0]);
    const m = { ...readSweepFixture(), id: '../../elsewhere' };
    fs.writeFileSync(sweepFile(root, id), JSON.stringify(m));
    assert.throws(() => readSweep(root, id), /"id" is "\.\.\/\.\.\/elsewhere", not the folder's name/);
  });
});
