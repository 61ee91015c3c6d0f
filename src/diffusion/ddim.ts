/**
 * One DDIM step (Song et al. 2021) for a v-predicting model (Salimans & Ho 2022).
 * A pure function of (schedule, t, t_prev, x_t, v, eta, noise); the pipeline owns the loop.
 * Reference: training/schedule.py ddim_step. Per element in float64, stored float32.
 */
import { stepFromV } from './prediction.ts';
import { alphaBar, type NoiseSchedule } from './schedule.ts';

/** What one step produces; every array has the shape of x_t, e.g. [3, H, W]. */
export interface DdimStepResult {
  /** x_{t_prev}: the sample one step less noisy (the final image when t_prev = -1). */
  prevSample: Float32Array;
  /** The model's estimate of the clean image x0, clipped to [-1, 1]. */
  predOriginalSample: Float32Array;
  /** The noise estimate eps consistent with x_t and the clipped x0. */
  predEpsilon: Float32Array;
}

/**
 * Steps x_t from timestep `t` to `tPrev` (-1 = the clean image) given the model's v prediction.
 * `eta` = 0 is deterministic DDIM, 1 is DDPM-like; eta > 0 with sigma > 0 needs `noise` (standard
 * normals, same length as xT).
 */
export function ddimStep(
  schedule: Pick<NoiseSchedule, 'alphas_cumprod'>,
  t: number,
  tPrev: number,
  xT: Float32Array,
  v: Float32Array,
  eta = 0,
  noise?: Float32Array,
): DdimStepResult {
  if (v.length !== xT.length) {
    throw new RangeError(`ddimStep: v has ${v.length} values, x_t has ${xT.length}`);
  }
  if (tPrev >= t) throw new RangeError(`ddimStep: t_prev (${tPrev}) must be below t (${t})`);
  const ab = alphaBar(schedule, t);
  const abPrev = alphaBar(schedule, tPrev);

  // (2) sigma_t = eta sqrt((1 - ab') / (1 - ab)) sqrt(1 - ab / ab')   (Song et al. eq. 16)
  const sigma = eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
  if (sigma > 0 && (!noise || noise.length !== xT.length)) {
    throw new RangeError('ddimStep: eta > 0 needs noise with the length of x_t');
  }
  const sqrtAbPrev = Math.sqrt(abPrev);
  // Clamped at 0: with eta = 1 rounding can push 1 - ab' - sigma^2 a hair below zero.
  const dirScale = Math.sqrt(Math.max(1 - abPrev - sigma * sigma, 0));

  // (1) x0 = sqrt(ab) x_t - sqrt(1 - ab) v, clipped, and eps re-derived from it (prediction.ts).
  return stepFromV(ab, xT, v, (i, _x, x0, eps) => {
    // (3) x_{t'} = sqrt(ab') x0 + sqrt(1 - ab' - sigma^2) eps + sigma z   (Song et al. eq. 12)
    let prev = sqrtAbPrev * x0 + dirScale * eps;
    if (sigma > 0) prev += sigma * noise![i];
    return prev;
  });
}
