/** Entry point of the gan-studio-train command (bundled to dist/cli.js). */
import { releaseBackend } from './backend/select';
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    // The WebGPU device is native: release it first. Then exit now: the run folder is final, and
    // nothing should linger (a signal in a slow exit would end the process by its default action).
    releaseBackend();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    releaseBackend();
    process.exitCode = 1;
  },
);
