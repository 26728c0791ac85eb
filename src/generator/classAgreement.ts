/**
 * Does a conditional generator draw the class it is asked for? Renders `samples` images, every
 * class equally often (latent i asks for class i mod classes, latents from the seeded generator),
 * classifies them with the evaluator classifier, and counts how often the classifier's top class is
 * the requested one. Used by `npm run eval:classes`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNormMode } from '../protocol/generatorProtocol';
import type { Classifier } from '../trainer/evaluator/classifier';
import { evaluationLabels } from '../trainer/evaluator/qualityEvaluator';
import { LoadedGenerator, seededLatents } from './loadedGenerator';

export interface ClassAgreement {
  samples: number;
  /** Fraction of samples whose top class is the requested one. */
  agreement: number;
  /** Agreement per requested class. */
  perClass: number[];
  /** confusion[requested][predicted]: counts. */
  confusion: number[][];
}

const BATCH = 100;

export async function classAgreement(generator: LoadedGenerator, classifier: Classifier, options: { samples: number; seed: number; mode?: BatchNormMode }): Promise<ClassAgreement> {
  const k = generator.classes;
  if (k === 0) throw new Error('The checkpoint is of an unconditional generator: it cannot be asked for a class. Use a run trained with "conditional": true.');
  const z = generator.latentSize;
  const latents = seededLatents(options.seed, options.samples, z);
  const labels = evaluationLabels(options.samples, k);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const inputSize = classifier.spec.input[0];
  for (let start = 0; start < options.samples; start += BATCH) {
    const count = Math.min(BATCH, options.samples - start);
    const oneHot = new Float32Array(count * k);
    for (let i = 0; i < count; i++) oneHot[i * k + labels[start + i]] = 1;
    const images = await generator.render(latents.subarray(start * z, (start + count) * z), options.mode ?? 'eval', oneHot);
    const size = generator.imageSize;
    const predicted = tf.tidy(() => {
      let x = tf.tensor4d(images, [count, size, size, generator.channels]);
      if (size !== inputSize) x = tf.avgPool(x, size / inputSize, size / inputSize, 0);
      return tf.argMax(classifier.forward(x).logits, 1).dataSync();
    });
    for (let i = 0; i < count; i++) confusion[labels[start + i]][predicted[i]]++;
  }
  const perClass = confusion.map((row, c) => row[c] / Math.max(1, row.reduce((a, b) => a + b, 0)));
  const agreed = confusion.reduce((sum, row, c) => sum + row[c], 0);
  return { samples: options.samples, agreement: agreed / options.samples, perClass, confusion };
}
