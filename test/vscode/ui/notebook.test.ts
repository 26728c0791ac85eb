/**
 * A run trained on another machine and copied into the runs folder while VS Code is open shows up
 * in the Runs tree like any other; "Open Run in Notebook" writes the run's notebook beside it (with
 * the generator exported as ONNX) and opens it in VS Code's notebook editor (built-in .ipynb
 * support; no Jupyter extension needed to see the cells). Screenshots go to
 * $GAN_STUDIO_SCREENSHOTS (default test-results/screenshots); docs/images/run-notebook.png is one.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand, screenshot } from '../harness';
import { REPO_ROOT, testDataDir } from '../shared';
import { clearNotifications, openUiSession, runRow, screenshotOnFailure, trainWithCli, UiSession } from './session';

describe('Runs from elsewhere and Open Run in Notebook (UI)', () => {
  let session: UiSession;
  let runsRoot: string;
  let localRun: string;
  before(async () => {
    session = await openUiSession('ui-notebook');
    localRun = trainWithCli(session.workspace, { name: 'trained here' });
    runsRoot = path.dirname(localRun);
    await runRow(session.page, 'trained here').waitFor();
  });
  afterEach(async function () {
    await screenshotOnFailure(session, this.currentTest);
  });
  after(async () => {
    await session?.close();
  });

  it('shows a run folder copied in from a training box while VS Code is open', async () => {
    // "The training box": a runs folder outside the workspace, written by the CLI.
    const box = fs.mkdtempSync(path.join(os.tmpdir(), 'gan-studio-box-'));
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'gan-studio-train.js'), '--preset', 'smoke', '--name', 'from the box', '--out', box, '--data', testDataDir(), '--offline', '--json'], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const id = fs.readdirSync(box)[0];
    const manifestFile = path.join(box, id, 'run.json');
    fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), hostname: 'gpu-box' }, null, 1));
    // As scp -r or rsync do: the folder first, then its files.
    fs.cpSync(path.join(box, id), path.join(runsRoot, id), { recursive: true });
    const row = runRow(session.page, 'from the box');
    await row.waitFor();
    assert.match((await row.innerText()).replace(/\s+/g, ' '), /2\/2 epochs/, 'all of its epochs, like a run trained here');
  });

  it('writes the notebook beside the run and opens it in the notebook editor', async () => {
    const { page } = session;
    await clearNotifications(page).catch(() => undefined);
    await runCommand(page, 'GAN Studio: Open Run in Notebook');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'trained here' }).first().click();
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Beside the run' }).first().click();
    const notebookFile = `${localRun}.ipynb`;
    const editor = page.locator('.notebookOverlay.notebook-editor');
    await editor.waitFor({ timeout: 120_000 });
    await editor.locator('.view-lines', { hasText: 'import pandas as pd' }).first().waitFor();
    assert.ok(fs.existsSync(notebookFile), notebookFile);
    const onnx = fs.readdirSync(runsRoot).find((f) => f.endsWith('-onnx'));
    assert.ok(onnx && fs.existsSync(path.join(runsRoot, onnx, 'generator.onnx')), 'the generator is exported as ONNX beside the notebook');
    await page.locator('.part.editor .tab.active', { hasText: path.basename(notebookFile) }).waitFor();
    await screenshot(page, 'run-notebook-unexecuted');
  });

  // With Debian's python3-nbclient, -ipykernel, -pandas and -matplotlib, the notebook runs here
  // (onnxruntime for Python is not in Debian: its cell says how to install it) and VS Code shows
  // the saved outputs with its built-in renderers, no Jupyter extension needed.
  const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import nbclient, ipykernel, pandas, matplotlib'], { encoding: 'utf8' }).status === 0);
  if (python) {
    it(`shows the outputs of the executed notebook (run with nbclient, ${python})`, async () => {
      const { page } = session;
      const notebookFile = `${localRun}.ipynb`;
      const run = spawnSync(
        python,
        ['-c', 'import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbclient.NotebookClient(nb, timeout=300, resources={"metadata": {"path": sys.argv[2]}}).execute(); nbformat.write(nb, sys.argv[1])', notebookFile, runsRoot],
        { encoding: 'utf8', timeout: 600_000, env: { ...process.env, MPLBACKEND: 'module://matplotlib_inline.backend_inline', PYDEVD_DISABLE_FILE_VALIDATION: '1' } },
      );
      assert.equal(run.status, 0, run.stderr);
      const executed = JSON.parse(fs.readFileSync(notebookFile, 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
      const images = executed.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data && 'image/png' in o.data).length;
      assert.ok(images >= 2, `${images} plots`);
      await runCommand(page, 'File: Revert File');
      // The outputs render in the notebook's output webview.
      await page.locator('.notebookOverlay .output-show-more-container, .notebookOverlay .output').first().waitFor({ state: 'attached', timeout: 60_000 });
      await runCommand(page, 'Notebook: Collapse All Cell Inputs').catch(() => undefined);
      await page.waitForTimeout(3000);
      await screenshot(page, 'run-notebook');
    });
  }
});
