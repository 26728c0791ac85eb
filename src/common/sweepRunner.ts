/**
 * Drives a sweep: trains its members (at most `parallel` at once, in plan order) through a
 * MemberRunner (the extension's training controller, or `gan-studio sweep`'s child processes),
 * keeping `sweep.json` up to date after every change. A stop (the user's, VS Code closing, a
 * member stopped on its own) lets no further member start; `start()` on a stopped or interrupted
 * sweep resumes it: completed members are kept, members with a run continue from its last
 * checkpoint, pending members start. No vscode import: unit-tested with a fake runner.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { continuation, finalState, memberInfo, membersToRun, RunSweepInfo, SweepManifest, SweepMember } from '../protocol/sweepFormat';
import type { ExperimentConfig } from '../protocol/experimentConfig';
import { readRun } from './runReader';
import { liveSweepOwner, readSweep, writeSweep } from './sweepFiles';

export interface MemberLaunch {
  /** A new run (`start`) or the member's run continued from its last checkpoint (`resume`). */
  mode: 'start' | 'resume';
  name: string;
  config: ExperimentConfig;
  /** Runs root: where the new run goes. */
  runsRoot: string;
  /** The run to continue (mode `resume`). */
  runDir?: string;
  sweep: RunSweepInfo;
}

export type MemberOutcome = { status: 'completed' | 'stopped' } | { status: 'failed'; error: string };

export interface MemberHandle {
  runDir: string;
  done: Promise<MemberOutcome>;
  stop(): Promise<void>;
}

export interface MemberRunner {
  /** Starts the member's trainer; resolves once its run folder exists, rejects when it cannot start. */
  start(launch: MemberLaunch): Promise<MemberHandle>;
}

export class SweepBusyError extends Error {}

export interface SweepRunOptions {
  /** Overrides the manifest's `parallel` (e.g. `gan-studio sweep --parallel 2`). */
  parallel?: number;
  log?: (line: string) => void;
  /** Called after each write of sweep.json. */
  onChange?: (manifest: SweepManifest) => void;
}

export class SweepRun {
  private manifest: SweepManifest;
  private readonly running = new Map<number, MemberHandle | undefined>();
  private queue: SweepMember[] = [];
  private stopRequested = false;
  private resolveDone!: (manifest: SweepManifest) => void;
  /** Resolves with the final manifest once no member trains any more. */
  readonly done: Promise<SweepManifest>;
  private started = false;
  private finished = false;

  constructor(
    readonly runsRoot: string,
    readonly id: string,
    private readonly runner: MemberRunner,
    private readonly options: SweepRunOptions = {},
  ) {
    this.manifest = readSweep(runsRoot, id);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get current(): SweepManifest {
    return this.manifest;
  }

  get stopping(): boolean {
    return this.stopRequested;
  }

  /**
   * Starts (or resumes) the sweep. Throws SweepBusyError when another live process drives it.
   * Members that say "running" but have no live driver (VS Code closed, the CLI killed) are
   * continued from their checkpoints.
   */
  start(): Promise<SweepManifest> {
    if (this.started) return this.done;
    this.started = true;
    this.manifest = readSweep(this.runsRoot, this.id);
    const owner = liveSweepOwner(this.manifest);
    if (owner) throw new SweepBusyError(`The sweep "${this.manifest.name}" is running in process ${owner.pid} on ${owner.hostname}; stop it there first.`);
    if (this.options.parallel !== undefined) this.manifest.parallel = this.options.parallel;
    // A member left "running" by a driver that is gone is interrupted: it continues like a stopped one,
    // unless its run completed after the driver last wrote sweep.json (the run folder is the truth).
    for (const m of this.manifest.members) {
      if (m.status === 'running') m.status = 'stopped';
      if (m.status !== 'completed' && m.runId) {
        const run = readRun(path.join(this.runsRoot, m.runId));
        if (run.ok && run.manifest.status === 'completed') m.status = 'completed';
      }
    }
    this.queue = membersToRun(this.manifest);
    this.manifest.state = 'running';
    this.manifest.owner = { pid: process.pid, hostname: os.hostname() };
    this.save();
    this.pump();
    return this.done;
  }

  /** Stops the sweep: running members stop after a checkpoint, no other member starts. */
  async stop(): Promise<SweepManifest> {
    this.stopRequested = true;
    if (!this.started) return this.manifest;
    await Promise.all([...this.running.values()].map((h) => h?.stop()));
    if (this.running.size === 0) this.finish();
    return this.done;
  }

  private save(): void {
    writeSweep(this.runsRoot, this.manifest);
    this.options.onChange?.(this.manifest);
  }

  private pump(): void {
    while (!this.stopRequested && this.queue.length > 0 && this.running.size < Math.max(1, this.manifest.parallel)) {
      this.launch(this.queue.shift()!);
    }
    if (this.running.size === 0 && (this.stopRequested || this.queue.length === 0)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.manifest.state = finalState(this.manifest, this.stopRequested);
    this.manifest.owner = null;
    this.save();
    this.options.log?.(`Sweep "${this.manifest.name}" ${this.manifest.state}.`);
    this.resolveDone(this.manifest);
  }

  private launch(member: SweepMember): void {
    const mode = continuation(member);
    this.running.set(member.index, undefined);
    member.status = 'running';
    member.error = null;
    this.save();
    const launch: MemberLaunch = {
      mode,
      name: member.config.name,
      config: member.config,
      runsRoot: this.runsRoot,
      runDir: member.runId ? path.join(this.runsRoot, member.runId) : undefined,
      sweep: memberInfo(this.manifest, member),
    };
    this.options.log?.(`Sweep "${this.manifest.name}": ${mode === 'resume' ? 'continuing' : 'starting'} member ${member.index + 1} of ${this.manifest.members.length} (${member.config.name}).`);
    this.runner.start(launch).then(
      (handle) => {
        member.runId = path.basename(handle.runDir);
        this.running.set(member.index, handle);
        this.save();
        // A stop that came while this member was starting.
        if (this.stopRequested) void handle.stop();
        handle.done.then(
          (outcome) => this.ended(member, outcome),
          (error: unknown) => this.ended(member, { status: 'failed', error: (error as Error).message }),
        );
      },
      (error: unknown) => this.ended(member, { status: 'failed', error: (error as Error).message }),
    );
  }

  private ended(member: SweepMember, outcome: MemberOutcome): void {
    this.running.delete(member.index);
    member.status = outcome.status;
    member.error = outcome.status === 'failed' ? outcome.error : null;
    // A member stopped on its own (from the Runs view, or by VS Code closing) stops the sweep too.
    if (outcome.status === 'stopped') this.stopRequested = true;
    this.options.log?.(`Sweep "${this.manifest.name}": member ${member.index + 1} ${outcome.status}${outcome.status === 'failed' ? `: ${outcome.error}` : ''}.`);
    this.save();
    this.pump();
  }
}
