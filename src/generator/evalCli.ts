/**
 * gan-studio-eval: measures a checkpoint of a run (FID-FMNIST, KID, precision/recall, class
 * coverage) and appends the result to the run's quality.jsonl. `--json` prints the record as one
 * JSON line on stdout (what the extension's Evaluate Checkpoint reads); log lines go to stderr then.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, BackendChoice } from '../protocol/experimentConfig';
import { EXIT } from '../protocol/trainerProtocol';
import { defaultCacheDir } from '../trainer/cli';
import { evaluateCheckpoint, EvaluateCheckpointParams } from './evaluateCheckpoint';

export const EVAL_USAGE = `Usage: gan-studio-eval RUN_DIR [--checkpoint ID] [--samples N] [options]

Measures the generator of a checkpoint of a GAN Studio run with the FashionMNIST evaluator:
FID-FMNIST (on GAN Studio's own classifier features: not comparable with Inception-FID figures of
papers), KID, precision/recall (k = 3) and class coverage. Appends the result to RUN_DIR/quality.jsonl
and updates RUN_DIR/quality.json.

Options:
  --checkpoint ID     checkpoint to evaluate (default: the run's latest)
  --samples N         generated images (default: the run's evalSamples, 5000 for the reference preset)
  --backend NAME      ${BACKEND_CHOICES.join(' | ')} (default: auto)
  --data DIR          folder with the FashionMNIST .gz files (the test split is the reference)
  --cache DIR         data set download cache (default: ~/.cache/gan-studio/datasets); the
                      evaluator's reference statistics are cached beside it
  --offline           never download the data set
  --json              print the result as one JSON line on stdout
  -h, --help          show this help

Exit codes: 0 done, 1 evaluation failed, 2 bad arguments.`;

export class EvalUsageError extends Error {}

export function parseEvalCli(argv: string[], cwd = process.cwd()): { params: Omit<EvaluateCheckpointParams, 'openEvaluator'>; json: boolean; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        checkpoint: { type: 'string' },
        samples: { type: 'string' },
        backend: { type: 'string' },
        data: { type: 'string' },
        cache: { type: 'string' },
        offline: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new EvalUsageError((error as Error).message);
  }
  const v = parsed.values;
  const locate = { dataDirs: v.data ? [path.resolve(cwd, v.data)] : [], cacheDir: v.cache ? path.resolve(cwd, v.cache) : defaultCacheDir(), offline: v.offline === true };
  if (v.help) return { help: true, json: false, params: { runDir: '', locate } };
  if (parsed.positionals.length !== 1) throw new EvalUsageError('Give exactly one run folder (RUN_DIR).');
  let samples: number | undefined;
  if (v.samples !== undefined) {
    samples = Number(v.samples);
    if (!Number.isInteger(samples) || samples < 64 || samples > 50000) throw new EvalUsageError(`--samples must be an integer from 64 to 50000, not "${v.samples}".`);
  }
  if (v.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(v.backend)) {
    throw new EvalUsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, not "${v.backend}".`);
  }
  return {
    help: false,
    json: v.json === true,
    params: { runDir: path.resolve(cwd, parsed.positionals[0]), checkpoint: v.checkpoint, samples, backend: v.backend as BackendChoice | undefined, locate },
  };
}

export async function runEvalCli(argv: string[]): Promise<number> {
  let request: ReturnType<typeof parseEvalCli>;
  try {
    request = parseEvalCli(argv);
  } catch (error) {
    if (!(error instanceof EvalUsageError)) throw error;
    console.error(`gan-studio-eval: ${error.message}\nRun gan-studio-eval --help for the options.`);
    return EXIT.badArguments;
  }
  if (request.help) {
    console.log(EVAL_USAGE);
    return EXIT.ok;
  }
  const log = (line: string) => (request.json ? console.error(line) : console.log(line));
  try {
    const { record, summary } = await evaluateCheckpoint(request.params, log);
    if (request.json) console.log(JSON.stringify(record));
    else {
      const c = record.coverage;
      log(`Checkpoint ${record.checkpoint} (step ${record.step}), ${record.samples} samples, evaluator ${record.evaluator}:`);
      log(`  ${summary.fidLabel} ${record.fid.toFixed(3)} (not comparable with Inception-FID)`);
      log(`  KID ${record.kid.toFixed(5)} ± ${record.kidStd.toFixed(5)}`);
      log(`  precision ${record.precision.toFixed(3)}, recall ${record.recall.toFixed(3)} (k = 3)`);
      log(`  class coverage: entropy ${c.entropy.toFixed(3)}, shares ${(100 * c.minShare).toFixed(1)}-${(100 * c.maxShare).toFixed(1)} %, mean confidence ${c.meanConfidence.toFixed(3)}`);
      if (record.alarm) log(`  Mode-collapse warning: ${record.alarmReasons.join('; ')}`);
      log(`  ${record.seconds.toFixed(1)} s; written to ${path.join(request.params.runDir, 'quality.jsonl')}`);
    }
    return EXIT.ok;
  } catch (error) {
    const e = error as Error & { hint?: string };
    console.error(`gan-studio-eval: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
    return EXIT.failed;
  }
}
