/** The run report (Export Run Report, `gan-studio report`): self-contained HTML and a Markdown twin. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dispatch } from '../../../src/cli/dispatch';
import { readRunReportData, renderRunReport, RunReportError, spread, writeRunReport } from '../../../src/common/runReport';
import { presetConfig } from '../../../src/protocol/experimentConfig';
import { preprocessImages } from '../../../src/trainer/data/preprocess';
import { SessionEvents, TrainingSession } from '../../../src/trainer/train/session';
import { openFakeEvaluator } from '../evaluator/fakeEvaluator';
import { syntheticImages, tempDir, writeImagesFixture } from '../helpers';

const quiet: SessionEvents = { status: () => undefined, metrics: () => undefined, sample: () => undefined, checkpoint: () => undefined, log: () => undefined };

describe('the run report', () => {
  let runDir: string;
  before(async () => {
    const dataDir = tempDir();
    writeImagesFixture(dataDir, 24);
    const real = preprocessImages(syntheticImages(40), 28, 32);
    const config = { ...presetConfig('smoke'), name: 'report <fixture>', batchSize: 8, trainSubset: 24, featureSize: 4, logEvery: 1, sampleEvery: 2, sampleCount: 16, maxSteps: 6, evalEvery: 2, evalAfter: 2, evalSamples: 64 };
    const session = await TrainingSession.prepare({ config, runsRoot: tempDir(), dataDirs: [dataDir], offline: true }, quiet, { openEvaluator: () => openFakeEvaluator(real) });
    await session.run();
    runDir = session.runDir;
  });

  it('spreads the grids over time, keeping the first and the last', () => {
    assert.deepEqual(spread([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4), [0, 3, 6, 9]);
    assert.deepEqual(spread([1, 2], 8), [1, 2]);
  });

  it('writes one self-contained HTML file with the config, curves, quality table and grids, and nothing fetched from outside', () => {
    const out = path.join(tempDir(), 'shared', 'my report.html');
    const written = writeRunReport(runDir, out, new Date('2026-01-02T03:04:05Z'));
    assert.equal(written.html, out);
    const html = fs.readFileSync(out, 'utf8');
    const data = readRunReportData(runDir);
    assert.match(html, /<h1>report &lt;fixture&gt;<\/h1>/, 'the run name, escaped');
    assert.match(html, /<td>learningRate<\/td><td>0.0002<\/td>/, 'the config');
    assert.ok((html.match(/<svg /g) ?? []).length >= 4, 'losses, D outputs, FID, precision/recall as inline SVG');
    assert.match(html, /aria-label="Losses"/);
    assert.match(html, /<polyline[^>]+points="[\d., ]+"/);
    for (const record of data.quality) assert.ok(html.includes(`<td class="num">${record.step}</td><td>training</td>`), `quality row of step ${record.step}`);
    assert.deepEqual(data.quality.map((q) => q.step), [2, 4, 6]);
    const grids = html.match(/<img class="grid" alt="Samples at step (\d+)" src="data:image\/png;base64,/g) ?? [];
    assert.equal(grids.length, data.manifest.samples.length, 'every grid of this short run');
    assert.match(html, /alt="Real training images" src="data:image\/png;base64,/);
    assert.match(html, /class="strip fake"/);
    // Self-contained: no link, script, import or URL other than the SVG namespace.
    assert.doesNotMatch(html, /<script|<link|@import|src="(?!data:)|href=|url\((?!"data:)/);
    const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? [];
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
  });

  it('writes a Markdown twin whose every image exists beside it', () => {
    const dir = tempDir();
    const written = writeRunReport(runDir, path.join(dir, 'run'));
    assert.equal(written.html, path.join(dir, 'run.html'));
    assert.equal(written.markdown, path.join(dir, 'run.md'));
    const md = fs.readFileSync(written.markdown, 'utf8');
    const refs = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(refs.length >= 4 + readRunReportData(runDir).grids.length + 1, `charts, grids and the real grid: ${refs.join(', ')}`);
    for (const ref of refs) {
      assert.ok(!/^[a-z]+:/i.test(ref), `${ref} is a relative path`);
      assert.ok(fs.statSync(path.join(dir, ref)).size > 0, `${ref} exists`);
    }
    assert.ok(fs.readFileSync(path.join(dir, 'run-files', 'losses.svg'), 'utf8').startsWith('<svg'));
    assert.match(md, /\| step \| source \| FID-FMNIST \|/);
    // Writing again replaces the folder of images (no stale files).
    fs.writeFileSync(path.join(written.assetsDir, 'stale.png'), '');
    writeRunReport(runDir, path.join(dir, 'run.html'));
    assert.ok(!fs.existsSync(path.join(written.assetsDir, 'stale.png')));
  });

  it('renders a run that was never evaluated, and refuses a folder that is not a run', () => {
    const data = { ...readRunReportData(runDir), quality: [], summary: undefined, grids: [] };
    const report = renderRunReport(data, 'files');
    assert.match(report.html, /This run was not evaluated/);
    assert.match(report.html, /No sample grids were written/);
    assert.throws(() => readRunReportData(tempDir()), (e: Error) => e instanceof RunReportError && /not a readable GAN Studio run/.test(e.message));
  });

  it('gan-studio report RUN writes report.html beside the run by default', async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = { out: (t: string) => stdout.push(t), err: (t: string) => stderr.push(t), cwd: path.dirname(runDir), env: {} };
    assert.equal(await dispatch(['report', path.basename(runDir)], io), 0, stderr.join('\n'));
    assert.ok(fs.existsSync(path.join(runDir, 'report.html')) && fs.existsSync(path.join(runDir, 'report.md')) && fs.existsSync(path.join(runDir, 'report-files')));
    assert.match(stdout.join('\n'), /Wrote .*report\.html/);
    assert.equal(await dispatch(['report'], io), 2);
    assert.equal(await dispatch(['report', 'no-such-run', '--root', path.dirname(runDir)], io), 3);
  });
});
