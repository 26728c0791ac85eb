/**
 * "Open Run in Notebook" writes a valid nbformat 4 notebook whose every code cell compiles:
 * checked by python3-nbformat's validator where it is installed (.ci/run installs it) and always by
 * our own check of the fields nbformat 4.5 requires; each code cell goes through
 * `python3 -m py_compile`. The paths in the notebook survive quotes and backslashes.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildRunNotebook, Notebook, planRunNotebook, serializeNotebook } from '../../../src/common/runNotebook';
import { tempDir } from '../helpers';
import { smokeRun } from '../playground/smokeRun';
import { anyPython, pythonWith } from './python';

/** The fields nbformat 4.5's schema requires, checked without nbformat. */
function schemaProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  if (nb.nbformat !== 4) problems.push('nbformat is not 4');
  if (!(Number.isInteger(nb.nbformat_minor) && nb.nbformat_minor >= 5)) problems.push('nbformat_minor < 5 (cell ids need 4.5)');
  if (typeof nb.metadata !== 'object' || nb.metadata === null) problems.push('metadata is not an object');
  if (!Array.isArray(nb.cells) || nb.cells.length === 0) problems.push('no cells');
  const ids = new Set<string>();
  nb.cells.forEach((cell, i) => {
    const where = `cell ${i}`;
    if (!/^[a-zA-Z0-9-_]{1,64}$/.test(cell.id)) problems.push(`${where}: bad id ${cell.id}`);
    if (ids.has(cell.id)) problems.push(`${where}: duplicate id`);
    ids.add(cell.id);
    if (typeof cell.metadata !== 'object') problems.push(`${where}: metadata`);
    if (!(typeof cell.source === 'string' || (Array.isArray(cell.source) && cell.source.every((s) => typeof s === 'string')))) problems.push(`${where}: source`);
    if (cell.cell_type === 'code') {
      if (!Array.isArray(cell.outputs)) problems.push(`${where}: code cell without outputs`);
      if (cell.execution_count !== null) problems.push(`${where}: execution_count`);
    } else if (cell.cell_type === 'markdown') {
      if ('outputs' in cell || 'execution_count' in cell) problems.push(`${where}: markdown cell with code fields`);
    } else problems.push(`${where}: cell_type ${String(cell.cell_type)}`);
  });
  return problems;
}

const variants: [string, Notebook][] = [];
const base = tempDir('gan-studio-nb-');
const runDir = path.join(base, 'runs', '20261130-101500-smoke-ab12');
const plan = planRunNotebook(runDir, [{ id: 'step-000004', step: 4 }, { id: 'step-000008', step: 8 }]);
variants.push(['with an ONNX generator', buildRunNotebook({ runDir, runId: path.basename(runDir), runName: 'smoke "quoted" \\ run', notebookDir: path.dirname(plan.notebookFile), onnxModel: plan.onnx })]);
variants.push(['before the first checkpoint', buildRunNotebook({ runDir, runId: path.basename(runDir), runName: 'fresh', notebookDir: path.join(base, 'elsewhere') })]);

describe('run notebook (nbformat 4)', () => {
  it('goes beside the run, with the last checkpoint exported next to it', () => {
    assert.equal(plan.notebookFile, path.join(base, 'runs', '20261130-101500-smoke-ab12.ipynb'));
    assert.equal(plan.onnx?.file, path.join(base, 'runs', '20261130-101500-smoke-ab12-step-000008-onnx', 'generator.onnx'));
    assert.equal(planRunNotebook(runDir, []).onnx, undefined);
    assert.equal(planRunNotebook(runDir, [], '/x/y').notebookFile, path.join('/x/y', '20261130-101500-smoke-ab12.ipynb'));
  });

  for (const [label, notebook] of variants) {
    describe(label, () => {
      const file = path.join(tempDir('gan-studio-nb-'), 'run.ipynb');
      fs.writeFileSync(file, serializeNotebook(notebook));

      it('has every field nbformat 4.5 requires', () => {
        assert.deepEqual(schemaProblems(JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook), []);
      });

      it('loads metrics and quality records with pandas, plots with matplotlib, shows grids and samples with onnxruntime', () => {
        const code = notebook.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join('')).join('\n');
        for (const needle of ['import pandas as pd', 'import matplotlib.pyplot as plt', '"metrics.jsonl"', 'glob("quality*.jsonl")', 'glob("step-*.grid.png")', 'ort.InferenceSession', 'feeds = {"z": z}']) {
          assert.ok(code.includes(needle), needle);
        }
        assert.ok(code.includes(JSON.stringify(runDir)), 'the run folder by absolute path');
      });

      const nbformat = pythonWith('nbformat');
      if (nbformat) {
        it(`passes nbformat.validate (${nbformat})`, () => {
          const result = spawnSync(nbformat, ['-c', 'import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor)', file], { encoding: 'utf8' });
          assert.equal(result.status, 0, result.stderr);
          assert.equal(result.stdout.trim(), '4 5');
        });
      }

      const python = anyPython();
      if (python) {
        it(`every code cell compiles (python3 -m py_compile, ${python})`, () => {
          const dir = tempDir('gan-studio-cells-');
          const cells = notebook.cells.filter((c) => c.cell_type === 'code');
          assert.ok(cells.length >= 5);
          cells.forEach((cell, i) => {
            const py = path.join(dir, `cell${i}.py`);
            fs.writeFileSync(py, cell.source.join(''));
            const result = spawnSync(python, ['-m', 'py_compile', py], { encoding: 'utf8' });
            assert.equal(result.status, 0, `cell ${i}: ${result.stderr}`);
          });
        });
      }
    });
  }
});

/** The Python that can run the notebook here: Debian's nbclient, ipykernel, pandas and matplotlib. */
const runner = pythonWith('nbclient, ipykernel, pandas, matplotlib');
if (runner) {
  describe(`run notebook executed on a real run (nbclient, ${runner})`, function () {
    this.timeout(600000);
    it('runs every cell without an error, reads quality records defensively and plots the curves', () => {
      const run = smokeRun({ featureSize: 16 }, tempDir('gan-studio-nb-runs-'));
      // Quality records from another feature: fields not known here, and a torn last line.
      fs.writeFileSync(path.join(run, 'quality-fid.jsonl'), '{"step": 4, "fid": 310.5}\n{"step": 8, "fid": 250.25}\n{"step": 9, "fi');
      const manifest = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as { id: string; name: string; checkpoints: { id: string; step: number }[] };
      const out = tempDir('gan-studio-nb-out-');
      const planned = planRunNotebook(run, manifest.checkpoints, out);
      const file = planned.notebookFile;
      fs.writeFileSync(file, serializeNotebook(buildRunNotebook({ runDir: run, runId: manifest.id, runName: manifest.name, notebookDir: out, onnxModel: planned.onnx })));
      const result = spawnSync(
        runner,
        ['-c', 'import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbclient.NotebookClient(nb, timeout=300, resources={"metadata": {"path": sys.argv[2]}}).execute(); nbformat.write(nb, sys.argv[1])', file, out],
        { encoding: 'utf8', timeout: 600000, env: { ...process.env, MPLBACKEND: 'module://matplotlib_inline.backend_inline', PYDEVD_DISABLE_FILE_VALIDATION: '1' } },
      );
      assert.equal(result.status, 0, result.stderr);
      const executed = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; outputs?: { output_type: string; text?: string | string[]; data?: Record<string, unknown> }[] }[] };
      const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
      assert.deepEqual(outputs.filter((o) => o.output_type === 'error'), []);
      const text = outputs.map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? ''))).join('');
      assert.match(text, /quality-fid\.jsonl: skipped 1 unreadable line/);
      assert.match(text, /quality-fid: 2 records/);
      // Loss curves, D outputs, the quality plot, the sample grids (and the samples where onnxruntime is installed).
      assert.ok(outputs.filter((o) => o.data && 'image/png' in o.data).length >= 3);
    });
  });
}
