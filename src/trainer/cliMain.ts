/** Entry point of the gan-studio-train command (bundled to dist/cli.js). */
import { releaseBackend } from './backend/select';
import { runCli } from './cli';

runCli(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  )
  // The WebGPU device is native: release it so that nothing keeps the process alive.
  .finally(releaseBackend);
