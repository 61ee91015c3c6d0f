/**
 * One Euler ancestral step (k-diffusion's sample_euler_ancestral with eta = 1, as diffusers'
 * EulerAncestralDiscreteScheduler) for a v-predicting model. A pure function; the pipeline owns the loop.
 * Reference: training/samplers.py euler_ancestral_step. Per element in float64, stored float32.
 *
 * Units: the method lives in the variance-exploding parametrisation x_s = x0 + sigma eps with
 * sigma = sqrt((1 - ab) / ab). Our state and the U-Net's input are variance-preserving,
 * x_t = sqrt(ab) x0 + sqrt(1 - ab) eps = x_s / sqrt(1 + sigma^2) = sqrt(ab) x_s (Karras et al. 2022,
 * table 1, scaling s(t)); diffusers' `scale_model_input` does the same division. So the step takes and
 * returns VP x_t, converting to x_s and back inside; sigma near t = T-1 is ~2e4, which float64 holds
 * with room to spare, while float32 state never leaves the VP range.
 */
import { stepFromV } from './prediction.ts';
import type { StepResult } from './sampler.ts';

/**
 * Steps x_t from alpha_bar `abT` to `abPrev` (1 = the clean image) given the model's v prediction.
 * Every step but the last (abPrev < 1) needs `noise`: standard normals, same length as xT.
 */
export function eulerAncestralStep(abT: number, abPrev: number, xT: Float32Array, v: Float32Array, noise?: Float32Array): StepResult {
  if (v.length !== xT.length) throw new RangeError(`eulerAncestralStep: v has ${v.length} values, x_t has ${xT.length}`);
  if (!(abPrev > abT)) throw new RangeError(`eulerAncestralStep: ab_prev (${abPrev}) must be above ab_t (${abT})`);
  // (1) The noise levels of both ends.
  const sFrom = Math.sqrt((1 - abT) / abT);
  const sTo = Math.sqrt((1 - abPrev) / abPrev);
  // (3) Ancestral split of sigma_to: go deterministically down to sigma_down, then add sigma_up of
  //     fresh noise; sigma_down^2 + sigma_up^2 = sigma_to^2 (k-diffusion get_ancestral_step, eta = 1).
  const sUp = Math.min(sTo, Math.sqrt((sTo * sTo * (sFrom * sFrom - sTo * sTo)) / (sFrom * sFrom)));
  const sDown = Math.sqrt(sTo * sTo - sUp * sUp);
  if (sUp > 0 && (!noise || noise.length !== xT.length)) {
    throw new RangeError('eulerAncestralStep: a step that is not the last needs noise with the length of x_t');
  }
  const sqrtAb = Math.sqrt(abT);
  const sqrtAbPrev = Math.sqrt(abPrev);

  // (2) x0 = sqrt(ab) x_t - sqrt(1 - ab) v, clipped, and eps re-derived from it (prediction.ts).
  return stepFromV(abT, xT, v, (i, x, x0) => {
    // (4) VP -> VE, and the probability-flow ODE's slope dx_s/dsigma = (x_s - D(x_s; sigma)) / sigma
    //     (Karras et al. 2022, eqs. 1 and 3 with sigma(t) = t), D = x0-hat.
    let xs = x / sqrtAb;
    const d = (xs - x0) / sFrom;
    // (5) Euler step to sigma_down, fresh noise up to sigma_to, back to VP: x_{t'} = sqrt(ab') x_s'.
    xs = xs + d * (sDown - sFrom);
    if (sUp > 0) xs += sUp * noise![i];
    return xs * sqrtAbPrev;
  });
}
