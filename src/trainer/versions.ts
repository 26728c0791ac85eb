/** Versions recorded in every run's manifest. */
import * as tf from '@tensorflow/tfjs-core';

declare const GAN_STUDIO_VERSION: string | undefined;

export function ganStudioVersion(): string {
  // Replaced by the bundler; when running from sources (tests), read package.json.
  if (typeof GAN_STUDIO_VERSION === 'string') return GAN_STUDIO_VERSION;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

export function versions(backendDetail?: string): Record<string, string> {
  return {
    ganStudio: ganStudioVersion(),
    tfjsCore: tf.version_core,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    ...(backendDetail ? { backend: backendDetail } : {}),
  };
}
