/** The preprocessed training images and the seeded batch order (like a shuffling DataLoader, last batch partial). */
import { IMAGE_SIZE } from '../../protocol/experimentConfig';
import { epochPermutation } from '../rng';

export class TrainingSet {
  readonly size: number;
  private readonly pixelsPerImage: number;
  private cached: { epoch: number; order: Uint32Array } | undefined;

  /** `images` holds `size` preprocessed 32x32 images in [-1, 1], NHWC with `channels` channels. */
  constructor(
    readonly images: Float32Array,
    private readonly seed: number,
    readonly batchSize: number,
    readonly channels = 1,
    readonly imageSize = IMAGE_SIZE,
  ) {
    this.pixelsPerImage = imageSize * imageSize * channels;
    this.size = images.length / this.pixelsPerImage;
    if (!Number.isInteger(this.size) || this.size === 0) throw new Error('Training set is empty or has a partial image');
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
