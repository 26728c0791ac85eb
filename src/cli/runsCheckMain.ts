/** Entry point of the temporary gan-studio-check command (bundled to dist/check.js); the gan-studio CLI runs the same as `gan-studio runs check`. */
import { runsCheck } from './runsCheck';

runsCheck(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
