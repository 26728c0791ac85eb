/** The preprocessed training images and the seeded batch order (like a shuffling DataLoader, last batch partial). */
import { IMAGE_SIZE } from '../../protocol/experimentConfig';
import { epochPermutation } from '../rng';

export class TrainingSet {
  readonly size: number;
  private readonly pixelsPerImage: number;
  private cached: { epoch: number; order: Uint32Array } | undefined;
  /** The class label of every image (conditional runs; absent otherwise). */
  readonly labels?: Uint8Array;

  /** The side of the images in pixels and their channels (NHWC). */
  readonly imageSize: number;
  readonly channels: number;

  /** `images` holds `size` preprocessed images (NHWC, `options.imageSize` square, default 32, with `options.channels` channels, default 1) in [-1, 1]; `options.labels` their classes. */
  constructor(
    readonly images: Float32Array,
    private readonly seed: number,
    readonly batchSize: number,
    options: { imageSize?: number; channels?: number; labels?: Uint8Array } = {},
  ) {
    this.imageSize = options.imageSize ?? IMAGE_SIZE;
    this.channels = options.channels ?? 1;
    this.pixelsPerImage = this.imageSize * this.imageSize * this.channels;
    this.size = images.length / this.pixelsPerImage;
    if (!Number.isInteger(this.size) || this.size === 0) throw new Error('Training set is empty or has a partial image');
    if (options.labels) {
      if (options.labels.length !== this.size) throw new Error(`Training set has ${this.size} images but ${options.labels.length} labels`);
      this.labels = options.labels;
    }
  }

  /** The labels of batch `index` of `epoch`, in the order of `batch()` (a set without labels has none). */
  batchLabels(epoch: number, index: number): Uint8Array {
    if (!this.labels) throw new Error('This training set has no labels (a conditional run loads them with the images).');
    const order = this.order(epoch);
    const start = index * this.batchSize;
    return Uint8Array.from({ length: this.batchLength(index) }, (_, i) => this.labels![order[start + i]]);
  }

  /** For each class in 0..classes-1, the first `perClass` images of an epoch's order with that label, class by class (a conditional run's real-images grid). */
  firstImagesPerClass(epoch: number, classes: number, perClass: number): Float32Array {
    if (!this.labels) throw new Error('This training set has no labels.');
    const order = this.order(epoch);
    const picked: number[][] = Array.from({ length: classes }, () => []);
    for (let i = 0; i < order.length && picked.some((p) => p.length < perClass); i++) {
      const label = this.labels[order[i]];
      if (label < classes && picked[label].length < perClass) picked[label].push(order[i]);
    }
    const indices = picked.flat();
    const out = new Float32Array(indices.length * this.pixelsPerImage);
    indices.forEach((src, i) => out.set(this.images.subarray(src * this.pixelsPerImage, (src + 1) * this.pixelsPerImage), i * this.pixelsPerImage));
    return out;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  /** Number of images in batch `index` (the last one of an epoch may be smaller). */
  batchLength(index: number): number {
    return Math.min(this.batchSize, this.size - index * this.batchSize);
  }

  /** The images of batch `index` of `epoch`, copied into one NHWC buffer. */
  batch(epoch: number, index: number): Float32Array {
    if (index < 0 || index >= this.batchesPerEpoch) throw new RangeError(`Batch ${index} is outside epoch of ${this.batchesPerEpoch}`);
    return this.gather(epoch, index * this.batchSize, this.batchLength(index));
  }

  /** The first `count` images of an epoch's order (the seed's "real_batch" for its training-images grid). */
  firstImages(epoch: number, count: number): Float32Array {
    return this.gather(epoch, 0, Math.min(count, this.size));
  }

  private gather(epoch: number, start: number, n: number): Float32Array {
    const order = this.order(epoch);
    const out = new Float32Array(n * this.pixelsPerImage);
    for (let i = 0; i < n; i++) {
      const src = order[start + i] * this.pixelsPerImage;
      out.set(this.images.subarray(src, src + this.pixelsPerImage), i * this.pixelsPerImage);
    }
    return out;
  }

  private order(epoch: number): Uint32Array {
    if (this.cached?.epoch !== epoch) this.cached = { epoch, order: epochPermutation(this.seed, epoch, this.size) };
    return this.cached.order;
  }
}
