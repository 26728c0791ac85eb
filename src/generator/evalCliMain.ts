/** Entry point of the gan-studio-eval command (bundled to dist/evalCli.js). */
import { runEvalCli } from './evalCli';

runEvalCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
