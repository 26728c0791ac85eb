/**
 * Profiles the onnxruntime training engine on the reference DCGAN (batch 128): steps/s, and with
 * --profile onnxruntime's per-node profile summed by op type.
 *   npx tsx bench/ortEngineProfile.ts [--steps 10] [--level all] [--threads 2] [--profile]
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { presetConfig } from '../src/protocol/experimentConfig';
import { selectBackend } from '../src/trainer/backend/select';
import { buildDcgan, discriminatorSpec, generatorSpec } from '../src/trainer/model/dcgan';
import { loadOrt, OrtStepEngine } from '../src/trainer/ortEngine/engine';
import { Rng } from '../src/trainer/rng';
import { GanOptimizers } from '../src/trainer/train/step';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { steps: { type: 'string', default: '10' }, level: { type: 'string', default: 'all' }, threads: { type: 'string', default: '2' }, profile: { type: 'boolean', default: false }, spin: { type: 'string', default: '' }, patches: { type: 'string', default: 'gather' }, exact: { type: 'string', default: '8' }, inter: { type: 'string', default: '1' } } });
  const loaded = loadOrt();
  if ('problem' in loaded) throw new Error(loaded.problem);
  await selectBackend('cpu');
  const config = presetConfig('reference');
  const model = buildDcgan(config.latentSize, config.featureSize, new Rng(42, 1));
  const optimizers = new GanOptimizers(config);
  const engine = new OrtStepEngine(loaded.ort, config, generatorSpec(config.latentSize, config.featureSize), discriminatorSpec(config.featureSize), {
    threads: Number(values.threads),
    optimizationLevel: values.level as 'all',
    profile: values.profile,
    spinning: values.spin === '' ? undefined : values.spin === '1',
    patches: values.patches as 'gather',
    exactPhasesUpTo: Number(values.exact),
    interOpThreads: Number(values.inter),
  });
  await engine.importFrom({ model, optimizers, noiseRng: new Rng(1), fixedNoise: new Float32Array(0), step: 0, elapsedSec: 0 });
  const batch = config.batchSize;
  const data = new Rng(1, 9).fillUniform(new Float32Array(batch * 1024), -1, 1);
  const noise = new Rng(2, 9);
  const t0 = performance.now();
  await engine.step(data, noise.fillNormal(new Float32Array(batch * config.latentSize)));
  console.log(`first step (session creation) ${(performance.now() - t0).toFixed(0)} ms`);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < Number(values.steps); i++) {
    const t = performance.now();
    await engine.step(data, noise.fillNormal(new Float32Array(batch * config.latentSize)));
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  console.log(`median ${times[times.length >> 1].toFixed(0)} ms/step (${(1000 / times[times.length >> 1]).toFixed(2)} steps/s), min ${times[0].toFixed(0)}; CPU ${((cpu.user + cpu.system) / 1000 / Number(values.steps)).toFixed(0)} ms/step (sys ${(cpu.system / 1000 / Number(values.steps)).toFixed(0)}) (load ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
  const file = await engine.endProfiling();
  if (file) {
    const events = JSON.parse(fs.readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
    const byOp = new Map<string, number>();
    const byLayer = new Map<string, number>();
    const byNode = new Map<string, number>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.args?.op_name || !e.name.endsWith('_kernel_time')) continue;
      byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
      byNode.set(e.name, (byNode.get(e.name) ?? 0) + e.dur);
      const layer = e.name.includes('/') ? e.name.split('/')[0] : '(other)';
      byLayer.set(layer, (byLayer.get(layer) ?? 0) + e.dur);
    }
    const runs = Number(values.steps) + 1;
    for (const [op, us] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`${op.padEnd(20)} ${(us / runs / 1000).toFixed(1)} ms/step`);
    console.log('by layer (Gf: G forward, Df: D forward on real+fake, Db: its backward, D2f/D2b: the G step through D, Gb: G backward):');
    for (const [l, us] of [...byLayer].sort((a, b) => b[1] - a[1])) console.log(`  ${l.padEnd(10)} ${(us / runs / 1000).toFixed(1)} ms`);
    console.log('top nodes:');
    for (const [n, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${n.padEnd(40)} ${(us / runs / 1000).toFixed(1)} ms`);
    if (!process.env.KEEP_PROFILE) fs.unlinkSync(file);
  }
  await engine.release();
}

void main();
