/**
 * Wall-clock timing of model calls, without touching the denoising loop: wraps `Models` so each
 * text-encoder and U-Net call records how long it took. The worker reports these per step; the
 * benchmark (scripts/bench/bench-node.ts) reads them the same way.
 */
import type { Models } from './models.ts';

/**
 * Milliseconds of the latest call of each model; NaN until the first call. A step on the GPU sampler
 * (Models.gpuSteps) makes no `unet` call of its own to time: through a generation that runs there,
 * unetMs stays NaN.
 */
export interface CallTimes {
  textMs: number;
  unetMs: number;
}

/** The same models, plus a live record of the latest call times. */
export function timeModelCalls(models: Models): { models: Models; last: CallTimes } {
  const last: CallTimes = { textMs: NaN, unetMs: NaN };
  const timed: Models = {
    manifest: models.manifest,
    tokenizer: models.tokenizer,
    gpuSteps: models.gpuSteps, // the same object: the loop may turn it off for every later generation
    async encodeText(ids, batch) {
      const start = performance.now();
      try {
        return await models.encodeText(ids, batch);
      } finally {
        last.textMs = performance.now() - start;
      }
    },
    async unet(sample, timestep, context, batch) {
      const start = performance.now();
      try {
        return await models.unet(sample, timestep, context, batch);
      } finally {
        last.unetMs = performance.now() - start;
      }
    },
  };
  return { models: timed, last };
}
