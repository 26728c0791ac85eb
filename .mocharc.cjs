// Unit tests in plain Node (mocha + tsx). `npx mocha` runs the everyday suite; `npx mocha <file>`
// runs only that file (mocha adds files given on the command line to the configured spec, so the
// spec is set only when none is given); `npm run test:kernels` runs the kernel comparisons, which
// check every convolution kernel against the CPU reference in child processes (the slow part:
// minutes on two cores). `npm test` runs both.
const KERNELS = 'test/unit/trainer/convKernels.test.ts';
const named = process.argv.slice(2).filter((arg) => !arg.startsWith('-') && /\.(ts|js)$/.test(arg));

module.exports = {
  require: ['tsx/cjs'],
  extension: ['ts'],
  timeout: 120000,
  reporter: 'spec',
  ...(named.length > 0 ? {} : { spec: ['test/unit/**/*.test.ts'], ignore: [KERNELS] }),
};
