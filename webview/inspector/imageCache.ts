/**
 * Decoded grid images by URI, so that moving the step slider or playing shows each grid at once,
 * and the history of a cell can be cut out of every grid. A failed load is reported once.
 */
export class ImageCache {
  private readonly images = new Map<string, Promise<HTMLImageElement>>();
  private readonly failed = new Set<string>();

  constructor(private readonly onFailure: (src: string) => void) {}

  load(src: string): Promise<HTMLImageElement> {
    let pending = this.images.get(src);
    if (!pending) {
      const img = new Image();
      img.decoding = 'async';
      pending = new Promise<HTMLImageElement>((resolve, reject) => {
        img.onload = () => resolve(img);
        img.onerror = () => reject(new Error(`cannot decode ${src}`));
        img.src = src;
      }).then(
        (loaded) => loaded.decode().then(() => loaded),
        (error: Error) => {
          if (!this.failed.has(src)) {
            this.failed.add(src);
            this.onFailure(src);
          }
          throw error;
        },
      );
      pending.catch(() => undefined);
      this.images.set(src, pending);
    }
    return pending;
  }

  /** The image if it has finished loading (for synchronous drawing). */
  peek(src: string): Promise<HTMLImageElement> | undefined {
    return this.images.get(src);
  }

  isFailed(src: string): boolean {
    return this.failed.has(src);
  }

  /** Forgets images that are no longer listed (e.g. a run folder was rewritten). */
  retain(srcs: Iterable<string>): void {
    const keep = new Set(srcs);
    for (const src of [...this.images.keys()]) if (!keep.has(src)) this.images.delete(src);
  }
}
