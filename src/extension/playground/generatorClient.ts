/**
 * The generator child process (dist/generator.js) seen from the extension host: an RpcChildProcess
 * (fork, JSON-RPC over IPC, stdout as log lines) that stops with `generator/shutdown`, with typed
 * calls whose failures are GeneratorErrors carrying what happened and what to do. No vscode
 * import, so it is tested in plain Node against the real child.
 */
import { RequestType, ResponseError } from 'vscode-jsonrpc';
import { decodeFloat32, encodeFloat32 } from '../../protocol/binary';
import {
  ExportParams,
  ExportRequest,
  ExportResult,
  GeneratorInfo,
  GeneratorLoadParams,
  LatentsRequest,
  LoadRequest,
  RenderParams,
  RenderRequest,
  SaveGridParams,
  SaveGridRequest,
  ShutdownRequest,
} from '../../protocol/generatorProtocol';
import type { BatchNormMode } from '../../protocol/generatorProtocol';
import type { RunError } from '../../protocol/runFormat';
import { RpcChildProcess } from '../process/childProcess';

export class GeneratorError extends Error {
  constructor(readonly problem: RunError) {
    super(problem.message);
    this.name = 'GeneratorError';
  }
}

export interface GeneratorClientOptions {
  /** Path of dist/generator.js. */
  script: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** What the playground needs of a generator (the real client, or a fake in tests). */
export interface Generator {
  load(params: GeneratorLoadParams): Promise<GeneratorInfo>;
  latents(seed: number, count: number): Promise<Float32Array>;
  /** Images as base64 float32 (passed to the webview as they are). `classes`: a conditional generator's [count x classes] rows. */
  render(latents: Float32Array, batchNorm: BatchNormMode, classes?: Float32Array): Promise<{ images: string; count: number; computeMs: number }>;
  saveGrid(params: Omit<SaveGridParams, 'latents' | 'classes'> & { latents: Float32Array; classes?: Float32Array }): Promise<{ file: string; width: number; height: number }>;
  exportModel(params: ExportParams): Promise<ExportResult>;
  dispose(): Promise<void>;
}

export class GeneratorClient implements Generator {
  private readonly process: RpcChildProcess;
  private exitProblem: RunError | undefined;

  constructor(options: GeneratorClientOptions) {
    this.process = new RpcChildProcess({
      script: options.script,
      env: options.env,
      onStdout: (line) => options.log?.(line),
      onStderr: (line) => options.log?.(line),
      stopRequest: ShutdownRequest,
    });
    void this.process.exited.then((exit) => {
      this.exitProblem = {
        message: `The generator process ended (${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}).`,
        hint: 'Reopen the playground. If this happens again, the GAN Studio output channel has the details.',
        detail: exit.stderrTail.join('\n'),
      };
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  private async call<P, R, E>(type: RequestType<P, R, E>, params: P): Promise<R> {
    if (this.exitProblem) throw new GeneratorError(this.exitProblem);
    try {
      return await this.process.connection.sendRequest(type, params);
    } catch (error) {
      if (error instanceof ResponseError && error.data && typeof (error.data as RunError).message === 'string') throw new GeneratorError(error.data as RunError);
      await Promise.race([this.process.exited, new Promise((resolve) => setTimeout(resolve, 200))]);
      throw new GeneratorError(this.exitProblem ?? { message: `The generator did not answer: ${(error as Error).message}`, hint: 'Reopen the playground.' });
    }
  }

  load(params: GeneratorLoadParams): Promise<GeneratorInfo> {
    return this.call(LoadRequest, params);
  }

  async latents(seed: number, count: number): Promise<Float32Array> {
    const { latents } = await this.call(LatentsRequest, { seed, count });
    return decodeFloat32(latents);
  }

  render(latents: Float32Array, batchNorm: BatchNormMode, classes?: Float32Array): Promise<{ images: string; count: number; computeMs: number }> {
    const params: RenderParams = { latents: encodeFloat32(latents), batchNorm, ...(classes ? { classes: encodeFloat32(classes) } : {}) };
    return this.call(RenderRequest, params);
  }

  saveGrid(params: Omit<SaveGridParams, 'latents' | 'classes'> & { latents: Float32Array; classes?: Float32Array }): Promise<{ file: string; width: number; height: number }> {
    const { classes, ...rest } = params;
    return this.call(SaveGridRequest, { ...rest, latents: encodeFloat32(params.latents), ...(classes ? { classes: encodeFloat32(classes) } : {}) });
  }

  exportModel(params: ExportParams): Promise<ExportResult> {
    return this.call(ExportRequest, params);
  }

  /** Asks the process to exit and waits (killing it after a few seconds). */
  async dispose(): Promise<void> {
    await this.process.stop(5000);
  }
}
