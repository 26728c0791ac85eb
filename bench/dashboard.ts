/**
 * Benchmark of the training dashboard in the real VS Code (code-server + Chromium), not a test:
 *
 * 1. Opening a finished run of 100,000 records per series (and 200 sample grids): the time from
 *    choosing the run in "GAN Studio: Open Dashboard" to the charts having drawn every record
 *    (median of several opens; each reads the run from disk again).
 * 2. Live updates at that size: a run that "another process" trains (this script appends to its
 *    metrics.jsonl, as the CLI's trainer would) grows from 90,000 to 100,000 records; the webview
 *    reports how long each update took from the message's arrival to the end of its redraw, and
 *    the page's frame intervals (requestAnimationFrame) meanwhile.
 *
 *   npm run bench:dashboard            (packs the .vsix first)
 *   npx tsx bench/dashboard.ts         (with an existing gan-studio-0.1.0.vsix)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { activityBarItem, launchBrowser, openWorkbench, runCommand, startCodeServer, webviewFrame } from '../test/vscode/harness';
import { makeWorkspace, testSettings, vsixPath } from '../test/vscode/shared';
import { appendRecords, FixtureRun, syntheticRecords, tempRunsRoot, updateManifest, writeRun } from '../test/fixtures/runFixtures';

const RECORDS = 100_000;
const LIVE_START = 90_000;
const OPENS = 3;
/** The live run gets this many records per append, every APPEND_MS: 2,000 records a second. */
const CHUNK = 200;
const APPEND_MS = 100;

interface Stats {
  updateMs: number[];
  latencyMs: number[];
  startedAt: number;
  readySentAt: number | undefined;
  snapshotReceivedAt: number | undefined;
  snapshotDrawnAt: number | undefined;
  snapshotTiming: { readMs: number; sentAt: number } | undefined;
  rows: number;
  renders: number;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(values: number[]): string {
  return `median ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`;
}

/** The page's globals (the bench type-checks without the DOM library). */
type PageGlobals = {
  ganDashboard: { stats: Stats };
  requestAnimationFrame(fn: (t: number) => void): number;
  __frames: number[];
  __stopFrames: boolean;
};

async function stats(frame: FrameLocator): Promise<Stats> {
  return frame.locator('body').evaluate(() => (globalThis as unknown as PageGlobals).ganDashboard.stats);
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openRun(page: Page, name: string): Promise<{ frame: FrameLocator; startedAt: number }> {
  await runCommand(page, 'GAN Studio: Open Dashboard');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }) }).first();
  await row.waitFor();
  const startedAt = Date.now();
  await row.click();
  return { frame: webviewFrame(page), startedAt };
}

function writeBenchRuns(root: string): { finished: FixtureRun; live: FixtureRun; rest: ReturnType<typeof syntheticRecords> } {
  const spe = 469;
  const every = 1;
  const all = syntheticRecords(RECORDS, 0, { every, stepsPerEpoch: spe });
  const gridSteps = Array.from({ length: 200 }, (_, i) => i * 500);
  const finished = writeRun(root, { name: 'bench-finished', records: all, sampleSteps: gridSteps, writeGrids: true, stepsPerEpoch: spe, totalSteps: RECORDS });
  const live = writeRun(root, {
    name: 'bench-live',
    status: 'running',
    records: all.slice(0, LIVE_START),
    sampleSteps: gridSteps.filter((s) => s < LIVE_START),
    writeGrids: true,
    stepsPerEpoch: spe,
    totalSteps: RECORDS,
    pid: process.pid,
  });
  return { finished, live, rest: all.slice(LIVE_START) };
}

async function main(): Promise<void> {
  const root = tempRunsRoot('gan-studio-bench-dashboard-');
  const t0 = Date.now();
  const { finished, live, rest } = writeBenchRuns(root);
  const size = fs.statSync(path.join(finished.dir, 'metrics.jsonl')).size;
  console.log(`Wrote two runs in ${root} (${RECORDS.toLocaleString('en-US')} records, metrics.jsonl ${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`);

  const server = await startCodeServer({ settings: testSettings({ 'ganStudio.runsRoot': root, 'workbench.colorTheme': 'Default Dark Modern' }) });
  const browser = await launchBrowser();
  try {
    await server.installExtension(vsixPath());
    const page = browser.page;
    page.setDefaultTimeout(120_000);
    await page.setViewportSize({ width: 1400, height: 860 });
    const workspace = makeWorkspace('bench-dashboard');
    // PNGs for the baseline below, there before the workbench indexes the folder.
    for (let i = 0; i < OPENS; i++) fs.copyFileSync(path.join(finished.dir, 'samples', 'real.grid.png'), path.join(workspace, `baseline-${i}.png`));
    await openWorkbench(page, server, { folder: workspace });
    await (await activityBarItem(page, 'GAN Studio')).click();

    // 1. Opening a finished run of 100,000 records.
    const opens: number[] = [];
    const fromReady: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      await runCommand(page, 'View: Close All Editors');
      const { frame, startedAt } = await openRun(page, 'bench-finished');
      const drawn = await until(async () => {
        const s = await stats(frame);
        return s.rows === RECORDS && s.snapshotDrawnAt !== undefined && s.snapshotDrawnAt >= startedAt && s;
      }, 'the finished run drawn');
      opens.push(drawn.snapshotDrawnAt! - startedAt);
      fromReady.push(drawn.snapshotDrawnAt! - drawn.readySentAt!);
      console.log(
        `  open ${i + 1}: ${opens[i]} ms to draw ${drawn.rows.toLocaleString('en-US')} records per series ` +
          `(page started ${drawn.startedAt - startedAt} ms, host read ${drawn.snapshotTiming!.readMs} ms, ` +
          `sent ${drawn.snapshotTiming!.sentAt - startedAt} ms, arrived ${drawn.snapshotReceivedAt! - startedAt} ms, drawn ${drawn.snapshotDrawnAt! - startedAt} ms)`,
      );
    }

    // Baseline: how long VS Code itself takes to show a webview here (its image preview of a PNG).
    const baseline: number[] = [];
    for (let i = 0; i < OPENS; i++) {
      await runCommand(page, 'View: Close All Editors');
      const png = path.join(workspace, `baseline-${i}.png`);
      await runCommand(page, 'Go to File...');
      await page.locator('.quick-input-widget input').fill(path.basename(png));
      const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: path.basename(png) }).first();
      await row.waitFor();
      const startedAt = Date.now();
      await row.click();
      const img = webviewFrame(page).locator('img');
      await img.waitFor();
      await img.evaluate('(img) => img.decode()');
      baseline.push(Date.now() - startedAt);
    }
    console.log(`  VS Code's own image preview (a webview) of a PNG: ${baseline.join(', ')} ms`);

    // 2. Live updates of a run growing from 90,000 to 100,000 records.
    await runCommand(page, 'View: Close All Editors');
    const { frame } = await openRun(page, 'bench-live');
    await until(async () => (await stats(frame)).rows === LIVE_START, 'the live run at 90,000 records');
    // A string, so that the bundler's helpers (tsx names inner functions) do not reach the page.
    await frame.locator('body').evaluate(`(() => {
      const w = window;
      w.__frames = [];
      w.__stopFrames = false;
      let last = performance.now();
      function tick(t) {
        w.__frames.push(t - last);
        last = t;
        if (!w.__stopFrames) requestAnimationFrame(tick);
      }
      requestAnimationFrame(tick);
      w.ganDashboard.stats.updateMs.length = 0;
      w.ganDashboard.stats.latencyMs.length = 0;
    })()`);
    const liveStart = Date.now();
    for (let at = 0; at < rest.length; at += CHUNK) {
      const chunk = rest.slice(at, at + CHUNK);
      appendRecords(live, chunk);
      const last = chunk[chunk.length - 1];
      updateManifest(live, { progress: { ...live.manifest.progress, step: last.step + 1, elapsedSec: last.elapsedSec }, lastMetrics: { step: last.step, lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake } });
      await new Promise((resolve) => setTimeout(resolve, APPEND_MS));
    }
    const s = await until(async () => {
      const x = await stats(frame);
      return x.rows === RECORDS && x;
    }, 'the live run at 100,000 records');
    const liveSec = (Date.now() - liveStart) / 1000;
    const frames = await frame.locator('body').evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      w.__stopFrames = true;
      return w.__frames.slice(1);
    });

    console.log('\nResults');
    console.log(`  Open a finished run of ${RECORDS.toLocaleString('en-US')} records per series: ${summary(opens)}`);
    console.log(`    of which the page asking → charts drawn (read, transfer, draw): ${summary(fromReady)}`);
    console.log(`  VS Code's image preview of a PNG, for comparison: ${summary(baseline)}`);
    console.log(`  Live updates (${LIVE_START.toLocaleString('en-US')} → ${RECORDS.toLocaleString('en-US')} records, ${CHUNK} every ${APPEND_MS} ms, ${liveSec.toFixed(1)} s):`);
    console.log(`    work per update (apply the message, redraw both charts and the header): ${summary(s.updateMs)}`);
    console.log(`    latency per update (message arrives → redrawn, includes waiting for the next frame): ${summary(s.latencyMs)}`);
    console.log(`    frame intervals meanwhile: ${summary(frames)}; frames over 16.7 ms: ${frames.filter((f) => f > 16.7).length} of ${frames.length}`);
    console.log(JSON.stringify({ openMs: opens, fromReadyMs: fromReady, baselineMs: baseline, updateMs: { median: percentile(s.updateMs, 50), p95: percentile(s.updateMs, 95), max: Math.max(...s.updateMs), n: s.updateMs.length }, latencyMs: { median: percentile(s.latencyMs, 50), p95: percentile(s.latencyMs, 95) }, frameMs: { median: percentile(frames, 50), p95: percentile(frames, 95), max: Math.max(...frames), over16: frames.filter((f) => f > 16.7).length, n: frames.length } }));
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
