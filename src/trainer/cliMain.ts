/** Entry point of the gan-studio-train command (bundled to dist/cli.js). */
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    // Exit now: the run folder is final, and nothing should linger (a signal in a slow exit would end
    // the process by its default action).
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
