/**
 * Time to the Runs view's first rows with 500 and 5,000 generated runs (bench/generateRuns.ts):
 * the extension host's part of it — reading the runs root into the run store (every run.json and
 * notes.json) and building the first screen of tree rows (30). VS Code's rendering adds a few
 * frames on top. Figures depend on the machine and its load; say where they were measured.
 *
 *   npx tsx bench/runsView.ts [--counts 500,5000] [--repeats 3]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RunStore } from '../src/extension/runs/runStore';
import { runView } from '../src/extension/runs/runTreeModel';
import { generateRuns } from './generateRuns';

const FIRST_SCREEN = 30;

function measure(root: string, watch: boolean): { firstRowsMs: number; runs: number } {
  const t0 = performance.now();
  const store = new RunStore(root, watch);
  const runs = store.list();
  for (const run of runs.slice(0, FIRST_SCREEN)) runView(run);
  const firstRowsMs = performance.now() - t0;
  store.dispose();
  return { firstRowsMs, runs: runs.length };
}

const { values } = parseArgs({ options: { counts: { type: 'string', default: '500,5000' }, repeats: { type: 'string', default: '3' } } });
const counts = values.counts!.split(',').map(Number);
const repeats = Number(values.repeats);
console.log(`Runs view, time to the first ${FIRST_SCREEN} rows (run store read + rows), median of ${repeats}; ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}`);
for (const count of counts) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `gan-runs-${count}-`));
  generateRuns(root, count);
  for (const watch of [false, true]) {
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push(measure(root, watch).firstRowsMs);
    times.sort((a, b) => a - b);
    console.log(`${String(count).padStart(6)} runs${watch ? ', with folder watchers' : ''}: ${times[Math.floor(times.length / 2)].toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms)`);
  }
  fs.rmSync(root, { recursive: true, force: true });
}
