/**
 * npm run eval:classes -- <run folder | checkpoint folder> [--samples N] [--seed N] [--mode eval|train] [--json]
 * How often the evaluator classifier agrees with the class a conditional generator was asked for.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../common/runReader';
import { CHECKPOINTS_DIR } from '../protocol/runFormat';
import { selectBackend } from '../trainer/backend/select';
import { CLASS_NAMES } from '../trainer/data/fashionMnist';
import { DEFAULT_DATASET, evaluatorFor, evaluatorModelDir } from '../trainer/evaluator/registry';
import { loadEvaluatorModel } from '../trainer/evaluator/savedModel';
import { classAgreement } from './classAgreement';
import { LoadedGenerator } from './loadedGenerator';

const USAGE = 'Usage: npm run eval:classes -- <run folder | checkpoint folder> [--samples 1000] [--seed 0] [--mode eval|train] [--json]';

function checkpointOf(dir: string): string {
  if (fs.existsSync(path.join(dir, 'checkpoint.json'))) return dir;
  const run = readRun(dir);
  if (!run.ok) throw new Error(`${dir} is neither a checkpoint folder nor a run folder: ${run.error}`);
  const last = run.manifest.checkpoints[run.manifest.checkpoints.length - 1];
  if (!last) throw new Error(`Run ${run.manifest.name} has no checkpoint yet.`);
  return path.join(dir, CHECKPOINTS_DIR, last.id);
}

async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') flags.set('json', 'true');
    else if (argv[i].startsWith('--')) flags.set(argv[i].slice(2), argv[++i] ?? '');
    else positional.push(argv[i]);
  }
  if (positional.length !== 1) throw new Error(USAGE);
  const samples = Number(flags.get('samples') ?? 1000);
  const seed = Number(flags.get('seed') ?? 0);
  const mode = (flags.get('mode') ?? 'eval') as 'eval' | 'train';
  if (!Number.isInteger(samples) || samples < 1 || !Number.isInteger(seed) || (mode !== 'eval' && mode !== 'train')) throw new Error(USAGE);
  await selectBackend('auto');
  const dir = checkpointOf(path.resolve(positional[0]));
  const generator = LoadedGenerator.load(dir);
  const entry = evaluatorFor(DEFAULT_DATASET);
  const evaluator = loadEvaluatorModel(evaluatorModelDir(entry.version));
  try {
    const result = await classAgreement(generator, evaluator.classifier, { samples, seed, mode });
    if (flags.has('json')) {
      console.log(JSON.stringify({ checkpoint: dir, evaluator: entry.version, mode, seed, ...result }));
      return;
    }
    console.log(`${dir}: the ${entry.version} classifier agrees with the requested class for ${(result.agreement * 100).toFixed(1)}% of ${samples} samples (G in ${mode} mode, latent seed ${seed})`);
    result.perClass.forEach((a, c) => console.log(`  ${CLASS_NAMES[c].padEnd(12)} ${(a * 100).toFixed(1)}%`));
  } finally {
    generator.dispose();
    evaluator.classifier.dispose();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
