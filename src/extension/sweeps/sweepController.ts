/**
 * The sweeps the extension drives: creates a sweep from a plan, runs it through the training
 * controller (each member a normal run, started like any other), stops and resumes it, and says
 * when a sweep changes. No vscode import: the run starter is injected.
 */
import { Emitter, Event } from 'vscode-jsonrpc';
import { createSweep, readSweep } from '../../common/sweepFiles';
import { MemberHandle, MemberLaunch, MemberOutcome, MemberRunner, SweepRun } from '../../common/sweepRunner';
import type { SweepManifest, SweepPlan } from '../../protocol/sweepFormat';
import type { StartParams } from '../../protocol/trainerProtocol';
import type { ActiveRun } from '../training/trainingController';

export interface SweepControllerDeps {
  /** Starts one run (RunCommands.start without opening its own dashboard); undefined when it could not start (the user was told). */
  startRun(name: string, params: Omit<StartParams, 'dataDirs' | 'cacheDir'>): Promise<ActiveRun | undefined>;
  log(line: string): void;
}

function outcomeOf(run: ActiveRun): Promise<MemberOutcome> {
  return run.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: o.error.message } : { status: o.status }));
}

export class SweepController {
  private readonly runs = new Map<string, SweepRun>();
  private readonly changeEmitter = new Emitter<SweepManifest>();
  private readonly memberEmitter = new Emitter<{ sweep: SweepManifest; runDir: string }>();
  /** A sweep's manifest changed (a member started or ended, the sweep stopped or completed). */
  readonly onDidChange: Event<SweepManifest> = this.changeEmitter.event;
  /** A member's run folder exists (the sweep's comparison can take it). */
  readonly onDidStartMember: Event<{ sweep: SweepManifest; runDir: string }> = this.memberEmitter.event;

  constructor(private readonly deps: SweepControllerDeps) {}

  isActive(id: string): boolean {
    return this.runs.has(id);
  }

  get active(): SweepRun[] {
    return [...this.runs.values()];
  }

  /** Writes a new sweep (every member pending) and starts it. */
  create(runsRoot: string, plan: SweepPlan, source: string | null): SweepRun {
    const manifest = createSweep(runsRoot, plan, source);
    this.changeEmitter.fire(manifest);
    return this.run(runsRoot, manifest.id);
  }

  /** Starts or resumes the sweep `id` (throws SweepBusyError when another process drives it). */
  run(runsRoot: string, id: string): SweepRun {
    const existing = this.runs.get(id);
    if (existing) return existing;
    const runner: MemberRunner = {
      start: async (launch: MemberLaunch): Promise<MemberHandle> => {
        const params: Omit<StartParams, 'dataDirs' | 'cacheDir'> =
          launch.mode === 'resume' ? { runsRoot: launch.runsRoot, resume: { runDir: launch.runDir! } } : { runsRoot: launch.runsRoot, config: launch.config, sweep: launch.sweep };
        const run = await this.deps.startRun(launch.name, params);
        if (!run?.runDir) throw new Error(`“${launch.name}” could not start (see the GAN Studio output).`);
        this.memberEmitter.fire({ sweep: readSweep(runsRoot, id), runDir: run.runDir });
        return { runDir: run.runDir, done: outcomeOf(run), stop: async () => void (await run.stop()) };
      },
    };
    const sweep = new SweepRun(runsRoot, id, runner, { log: this.deps.log, onChange: (m) => this.changeEmitter.fire(m) });
    this.runs.set(id, sweep);
    try {
      void sweep.start().finally(() => this.runs.delete(id));
    } catch (error) {
      this.runs.delete(id);
      throw error;
    }
    return sweep;
  }

  async stop(id: string): Promise<SweepManifest | undefined> {
    return this.runs.get(id)?.stop();
  }

  /** Stops every sweep (VS Code closing): running members checkpoint, the sweeps say stopped and resume later. */
  async stopAll(): Promise<void> {
    await Promise.all(this.active.map((s) => s.stop()));
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.memberEmitter.dispose();
  }
}
