/**
 * Cost per training step of the loss and stabiliser options (experimentConfig.ts), relative to the
 * lesson's step, at the quick preset's size (width 32, batch 64) on the backend `auto` picks.
 * Variants are interleaved round by round so that load from other processes hits them alike;
 * the median of the rounds is printed. Usage: npx tsx bench/stabilisers.ts [steps] [rounds]
 */
import { ExperimentConfig, presetConfig } from '../src/protocol/experimentConfig';
import { selectBackend } from '../src/trainer/backend/select';
import { architectureOf, buildDcgan, Dcgan, generatorSpec, Network } from '../src/trainer/model/dcgan';
import { drawLabels } from '../src/trainer/train/step';
import { Rng, RNG_STREAMS } from '../src/trainer/rng';
import { disposeStep, GanOptimizers, readStep, stepOptions, trainStep } from '../src/trainer/train/step';

const VARIANTS: [string, Partial<ExperimentConfig>][] = [
  ['lesson (bce)', {}],
  ['hinge', { loss: 'hinge' }],
  ['lsgan', { loss: 'lsgan' }],
  ['labelSmoothing 0.1', { labelSmoothing: 0.1 }],
  ['dSteps 2', { dSteps: 2 }],
  ['instanceNoise 0.1', { instanceNoise: 0.1 }],
  ['gEma 0.999', { gEma: 0.999 }],
  ['spectralNorm', { spectralNorm: true }],
  ['conditional', { conditional: true }],
  ['imageSize 64', { imageSize: 64 }],
];

interface Trainer {
  name: string;
  step(): void;
  times: number[];
}

function trainer(name: string, overrides: Partial<ExperimentConfig>): Trainer {
  const config: ExperimentConfig = { ...presetConfig('quick'), ...overrides };
  const model: Dcgan = buildDcgan(config.latentSize, config.featureSize, new Rng(42, 1), {
    discriminator: config.spectralNorm ? { spectralNorm: { rng: new Rng(42, RNG_STREAMS.spectralNorm) } } : {},
    ...architectureOf(config),
  });
  const ema = config.gEma > 0 ? new Network('G', generatorSpec(config.latentSize, config.featureSize), new Rng(0)) : undefined;
  ema?.copyFrom(model.generator);
  const optimizers = new GanOptimizers(config);
  const data = new Rng(1, 9).fillUniform(new Float32Array(config.batchSize * config.imageSize * config.imageSize), -1, 1);
  const realLabels = drawLabels(new Rng(3, 9), config.batchSize, 10);
  const rng = new Rng(2, 9);
  let n = 0;
  return {
    name,
    times: [],
    step() {
      const noise = rng.fillNormal(new Float32Array(config.batchSize * config.latentSize));
      const labels = config.conditional ? { labels: { real: realLabels, fake: drawLabels(rng, config.batchSize, 10) } } : {};
      const out = trainStep(model, optimizers, data, noise, { ...stepOptions(config, n++, rng), ...labels });
      if (ema) ema.averageFrom(model.generator, config.gEma);
      readStep(out);
      disposeStep(out);
    },
  };
}

async function main(): Promise<void> {
  const steps = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 3);
  const backend = await selectBackend('auto');
  const trainers = VARIANTS.map(([name, o]) => trainer(name, o));
  for (const t of trainers) t.step(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const t of trainers) {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) t.step();
      t.times.push((performance.now() - t0) / steps);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(trainers[0].times);
  console.log(`${backend.name} (${backend.detail}); quick preset size (width 32, batch 64); ${steps} steps x ${rounds} rounds, interleaved`);
  for (const t of trainers) console.log(`${t.name.padEnd(20)} ${median(t.times).toFixed(1).padStart(7)} ms/step  x${(median(t.times) / base).toFixed(2)}`);
}

void main();
