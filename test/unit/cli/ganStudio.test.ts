/**
 * The command line as a tool for a training box: `gan-studio-train --json` prints only JSON lines
 * on stdout; `gan-studio runs list|show|export|notebook` read and export a runs folder (the built
 * bin, real processes); the documented exit codes; and the subcommand table takes a new entry
 * (as `runs check` will be) without touching dispatch.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dispatch, findSubcommand } from '../../../src/cli/dispatch';
import { CliIo, NotFoundError, Subcommand, SUBCOMMANDS, UsageError } from '../../../src/cli/subcommands';
import { CLI_EXIT, TrainJsonLine } from '../../../src/protocol/cliProtocol';
import { decodeOnnxModel } from '../../../src/trainer/backend/ort/onnxModel';
import { REPO_ROOT, tempDir, writeImagesFixture } from '../helpers';

const TRAIN = path.join(REPO_ROOT, 'bin', 'gan-studio-train.js');
const GAN_STUDIO = path.join(REPO_ROOT, 'bin', 'gan-studio.js');

function bin(script: string, args: string[], cwd = REPO_ROOT) {
  for (const file of ['cli.js', 'gan-studio.js']) assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', file)), `dist/${file} is missing: run \`npm run build\` first`);
  return spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: 300000, env: { ...process.env, GAN_STUDIO_RUNS_ROOT: '' } });
}

function memoryIo(cwd = REPO_ROOT): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), cwd, env: {} };
}

describe('gan-studio subcommand table and exit codes', () => {
  it('finds the longest matching word path and passes the rest on', () => {
    const found = findSubcommand(['runs', 'export', 'abc', '--format', 'onnx']);
    assert.deepEqual(found?.command.path, ['runs', 'export']);
    assert.deepEqual(found?.args, ['abc', '--format', 'onnx']);
    assert.equal(findSubcommand(['runs']), undefined);
  });

  it('takes a new subcommand as one table entry, with its help and exit codes', async () => {
    const seen: string[][] = [];
    const check: Subcommand = {
      path: ['runs', 'probe'],
      summary: 'check run folders',
      usage: 'Usage: gan-studio runs probe DIR',
      run: (args) => {
        seen.push(args);
        if (args[0] === 'missing') throw new NotFoundError('No run "missing".');
        if (args[0] === '--bad') throw new UsageError('unknown option --bad');
        if (args[0] === 'broken') throw new Error('disk on fire');
        return CLI_EXIT.ok;
      },
    };
    const table = [...SUBCOMMANDS, check];
    const io = memoryIo();
    assert.equal(await dispatch(['runs', 'probe', 'some/dir'], io, table), 0);
    assert.deepEqual(seen, [['some/dir']]);
    assert.equal(await dispatch(['runs', 'probe', 'missing'], io, table), 3);
    assert.equal(await dispatch(['runs', 'probe', '--bad'], io, table), 2);
    assert.match(io.stderr.join('\n'), /gan-studio runs probe: unknown option --bad\n\nUsage: gan-studio runs probe DIR/);
    assert.equal(await dispatch(['runs', 'probe', 'broken'], io, table), 1);
    assert.match(io.stderr.join('\n'), /gan-studio runs probe: disk on fire/);
    assert.equal(await dispatch(['--help'], io, table), 0);
    assert.match(io.stdout.join('\n'), /runs probe +check run folders/);
    assert.equal(await dispatch(['runs', 'probe', '--help'], io, table), 0);
    assert.equal(await dispatch(['runs', 'frobnicate'], io, table), 2);
    assert.equal(await dispatch([], io, table), 2);
  });
});

describe('gan-studio-train --json and gan-studio runs … (built bins)', function () {
  this.timeout(600000);
  let root: string;
  let lines: TrainJsonLine[];
  let runId: string;
  let data: string;

  before(() => {
    data = tempDir('gan-studio-data-');
    writeImagesFixture(data, 64);
    root = tempDir('gan-studio-runs-');
    const result = bin(TRAIN, ['--preset', 'smoke', '--name', 'box run', '--out', root, '--data', data, '--offline', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const stdout = result.stdout.trim().split('\n');
    lines = stdout.map((line, i) => {
      try {
        return JSON.parse(line) as TrainJsonLine;
      } catch {
        throw new Error(`stdout line ${i + 1} is not JSON: ${line}`);
      }
    });
    runId = fs.readdirSync(root)[0];
  });

  it('--json prints one JSON object per line: started, metrics, samples, checkpoints, then finished', () => {
    const types = lines.map((l) => l.type);
    assert.equal(types[0] === 'started' || types[0] === 'status' || types[0] === 'log', true);
    const started = lines.find((l) => l.type === 'started') as Extract<TrainJsonLine, { type: 'started' }>;
    assert.equal(started.runId, runId);
    // Every step is recorded (the printed progress lines follow the log schedule).
    assert.deepEqual(lines.filter((l) => l.type === 'metrics').map((l) => (l as { step: number }).step), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(lines.filter((l) => l.type === 'sample').map((l) => (l as { file: string }).file), ['samples/step-000000.grid.png', 'samples/step-000004.grid.png', 'samples/step-000008.grid.png']);
    assert.ok(lines.some((l) => l.type === 'checkpoint'));
    const last = lines[lines.length - 1];
    assert.equal(last.type, 'finished');
    assert.equal((last as { status: string }).status, 'completed');
    assert.equal((last as { runDir: string }).runDir, path.join(root, runId));
  });

  it('--json reports a failure as a "failed" line and exit code 1; bad arguments exit 2', () => {
    // The data folder holds damaged FashionMNIST files: the start fails while the data loads.
    const damaged = tempDir();
    for (const name of fs.readdirSync(data)) fs.writeFileSync(path.join(damaged, name), 'not an IDX file');
    const failed = bin(TRAIN, ['--preset', 'smoke', '--out', tempDir(), '--data', damaged, '--offline', '--json']);
    assert.equal(failed.status, 1, failed.stderr);
    const last = JSON.parse(failed.stdout.trim().split('\n').pop()!) as TrainJsonLine;
    assert.equal(last.type, 'failed');
    assert.equal((last as { exitCode: number }).exitCode, 1);
    assert.ok((last as { message: string }).message.length > 0);
    assert.equal(bin(TRAIN, ['--json', '--epochs', 'zero']).status, 2);
  });

  it('runs list shows the run as a table and as JSON, and lists a damaged folder with its problem', () => {
    fs.mkdirSync(path.join(root, 'zz-damaged'));
    fs.writeFileSync(path.join(root, 'zz-damaged', 'run.json'), '{ not json');
    try {
      const text = bin(GAN_STUDIO, ['runs', 'list', '--root', root]);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^ID +NAME +STATUS +STEP +LOSS D +LOSS G +CHECKPOINTS$/m);
      assert.match(text.stdout, new RegExp(`^${runId} +box run +completed +8/8 +\\d+\\.\\d{4} +\\d+\\.\\d{4} +\\d+$`, 'm'));
      const json = bin(GAN_STUDIO, ['runs', 'list', '--json'], tempDir());
      assert.equal(json.status, 3, 'without --root and without .gan-studio/runs here, nothing is found');
      const listed = JSON.parse(bin(GAN_STUDIO, ['runs', 'list', '--root', root, '--json']).stdout) as { id: string; status: string; step: number; checkpoints: string[]; problem?: string }[];
      assert.deepEqual(listed.map((r) => [r.id, r.status]), [['zz-damaged', 'damaged'], [runId, 'completed']]);
      assert.equal(listed[1].step, 8);
      assert.ok(listed[1].checkpoints.length >= 1);
      assert.match(listed[0].problem!, /damaged/);
    } finally {
      fs.rmSync(path.join(root, 'zz-damaged'), { recursive: true });
    }
  });

  it('runs show finds a run by id prefix or name, and exits 3 for an unknown run', () => {
    const shown = bin(GAN_STUDIO, ['runs', 'show', runId.slice(0, 12), '--root', root]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^box run \(/);
    assert.match(shown.stdout, /status +completed/);
    const json = JSON.parse(bin(GAN_STUDIO, ['runs', 'show', 'box', '--root', root, '--json']).stdout) as { manifest: { id: string } };
    assert.equal(json.manifest.id, runId);
    const missing = bin(GAN_STUDIO, ['runs', 'show', 'nope', '--root', root]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /No run "nope"/);
    assert.equal(bin(GAN_STUDIO, ['runs', 'show', '--root', root]).status, 2, 'no run given');
  });

  it('runs export writes generator.onnx (default) or the TensorFlow.js model, with the documented exit codes', () => {
    const out = tempDir();
    const result = bin(GAN_STUDIO, ['runs', 'export', path.join(root, runId), '--out', out, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const exported = JSON.parse(result.stdout) as { outDir: string; files: string[]; format: string; checkpoint: string };
    assert.equal(exported.format, 'onnx');
    assert.deepEqual(fs.readdirSync(exported.outDir).sort(), ['README.md', 'generator.onnx']);
    const meta = Object.fromEntries(decodeOnnxModel(fs.readFileSync(path.join(exported.outDir, 'generator.onnx'))).metadataProps.map((p) => [p.key, p.value]));
    assert.equal(meta['gan_studio.run_id'], runId);
    assert.equal(meta['gan_studio.checkpoint'], exported.checkpoint);
    assert.equal(bin(GAN_STUDIO, ['runs', 'export', runId, '--root', root, '--out', out]).status, 1, 'the folder exists and --replace was not given');
    assert.equal(bin(GAN_STUDIO, ['runs', 'export', runId, '--root', root, '--out', out, '--replace']).status, 0);
    const tfjs = bin(GAN_STUDIO, ['runs', 'export', runId, '--root', root, '--out', out, '--format', 'tfjs']);
    assert.equal(tfjs.status, 0, tfjs.stderr);
    assert.ok(fs.readdirSync(out).some((d) => d.endsWith('-tfjs') && fs.existsSync(path.join(out, d, 'model.json'))));
    assert.equal(bin(GAN_STUDIO, ['runs', 'export', runId, '--root', root, '--format', 'pt']).status, 2);
    assert.equal(bin(GAN_STUDIO, ['runs', 'export', runId, '--root', root, '--checkpoint', 'step-999999']).status, 3);
  });

  it('runs notebook writes <run id>.ipynb beside the run with the last checkpoint exported as ONNX', () => {
    const result = bin(GAN_STUDIO, ['runs', 'notebook', runId, '--root', root, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const written = JSON.parse(result.stdout) as { notebook: string; onnxModel: string };
    assert.equal(written.notebook, path.join(root, `${runId}.ipynb`));
    assert.ok(fs.existsSync(written.onnxModel));
    const notebook = JSON.parse(fs.readFileSync(written.notebook, 'utf8')) as { nbformat: number; cells: { source: string[] }[] };
    assert.equal(notebook.nbformat, 4);
    assert.ok(notebook.cells.some((c) => c.source.join('').includes(written.onnxModel)));
    const listed = JSON.parse(bin(GAN_STUDIO, ['runs', 'list', '--root', root, '--json']).stdout) as { id: string }[];
    assert.deepEqual(listed.map((r) => r.id), [runId], 'the notebook and its export beside the run are not taken for runs');
  });
});
