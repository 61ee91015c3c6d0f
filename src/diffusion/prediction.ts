/**
 * The part every sampler step shares: the clean-image and noise estimates from a v-predicting model.
 * With x_t = sqrt(ab) x0 + sqrt(1 - ab) eps (Ho et al. 2020, eq. 4) and v = sqrt(ab) eps - sqrt(1 - ab) x0
 * (Salimans & Ho 2022, sec. 4):
 *   x0  = sqrt(ab) x_t - sqrt(1 - ab) v, clipped to the data range [-1, 1];
 *   eps = (x_t - sqrt(ab) x0) / sqrt(1 - ab), re-derived from the clipped x0 so (x0, eps) still explain x_t.
 * Reference: training/samplers.py predict_x0_eps. Per element in float64, stored float32.
 */
import type { StepResult } from './sampler.ts';

/**
 * A sampler's own update for one element: from x_t's value `x` and its float64 estimates `x0` and
 * `eps`, the value of x_{t_prev}. `i` indexes per-element inputs such as noise.
 */
export type ElementUpdate = (i: number, x: number, x0: number, eps: number) => number;

/**
 * Runs one sampler step over x_t ([C, H, W], any shape): estimates x0 and eps from `v` at alpha_bar
 * `abT` per element, hands them to `update` for x_{t_prev}, and returns all three arrays, float32.
 * The caller checks that `v` (and any noise) has x_t's length.
 */
export function stepFromV(abT: number, xT: Float32Array, v: Float32Array, update: ElementUpdate): StepResult {
  const sqrtAb = Math.sqrt(abT);
  const sqrt1mAb = Math.sqrt(1 - abT);
  const n = xT.length;
  const prevSample = new Float32Array(n);
  const predOriginalSample = new Float32Array(n);
  const predEpsilon = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = xT[i];
    const x0 = Math.min(Math.max(sqrtAb * x - sqrt1mAb * v[i], -1), 1);
    const eps = (x - sqrtAb * x0) / sqrt1mAb;
    prevSample[i] = update(i, x, x0, eps);
    predOriginalSample[i] = x0;
    predEpsilon[i] = eps;
  }
  return { prevSample, predOriginalSample, predEpsilon };
}
