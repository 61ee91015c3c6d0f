/**
 * One DDPM ancestral step (Ho et al. 2020) for a v-predicting model, over any subsequence of
 * timesteps: the step t -> t_prev is a DDPM step whose effective alpha is ab_t / ab_prev (with every
 * timestep, ab_t / ab_{t-1} = alpha_t, the paper's own step). A pure function; the pipeline owns the loop.
 * Reference: training/samplers.py ddpm_step. Per element in float64, stored float32.
 */
import { stepFromV } from './prediction.ts';
import type { StepResult } from './sampler.ts';

/**
 * Steps x_t from alpha_bar `abT` to `abPrev` (1 = the clean image) given the model's v prediction.
 * Every step but the last (abPrev < 1) needs `noise`: standard normals, same length as xT.
 */
export function ddpmStep(abT: number, abPrev: number, xT: Float32Array, v: Float32Array, noise?: Float32Array): StepResult {
  if (v.length !== xT.length) throw new RangeError(`ddpmStep: v has ${v.length} values, x_t has ${xT.length}`);
  if (!(abPrev > abT)) throw new RangeError(`ddpmStep: ab_prev (${abPrev}) must be above ab_t (${abT})`);
  // (1) The strided step's own alpha and beta: alpha = ab_t / ab_prev, beta = 1 - alpha.
  const alpha = abT / abPrev;
  const beta = 1 - alpha;
  // (3) Posterior mean coefficients, eq. 7: mu = c0 x0 + ct x_t.
  const c0 = (Math.sqrt(abPrev) * beta) / (1 - abT);
  const ct = (Math.sqrt(alpha) * (1 - abPrev)) / (1 - abT);
  // (4) Posterior variance, eq. 7: beta_tilde = (1 - ab_prev) / (1 - ab_t) beta; 0 on the last step.
  const variance = ((1 - abPrev) / (1 - abT)) * beta;
  if (variance > 0 && (!noise || noise.length !== xT.length)) {
    throw new RangeError('ddpmStep: a step that is not the last needs noise with the length of x_t');
  }
  const sd = Math.sqrt(variance);

  // (2) x0 = sqrt(ab) x_t - sqrt(1 - ab) v, clipped, and eps re-derived from it (prediction.ts).
  return stepFromV(abT, xT, v, (i, x, x0) => {
    // (3)-(4) x_{t'} = mu + sqrt(beta_tilde) z   (eq. 6: q(x_{t'} | x_t, x0) = N(mu, beta_tilde I))
    let prev = c0 * x0 + ct * x;
    if (variance > 0) prev += sd * noise![i];
    return prev;
  });
}
