/**
 * The forward process q(x_t | x_0) (Ho et al. 2020, eq. 4): x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) noise.
 * Reference: training/schedule.py q_sample.
 */
import { alphaBar, type NoiseSchedule } from './schedule.ts';

/**
 * x0 drowned in noise to timestep `t` (-1..T-1; -1 returns x0). Per element in float64, stored float32.
 * `x0` and `noise` have the same length and any shape, e.g. [3, H, W]; values of x0 in [-1, 1].
 */
export function qSample(
  schedule: Pick<NoiseSchedule, 'alphas_cumprod'>,
  x0: Float32Array,
  t: number,
  noise: Float32Array,
): Float32Array {
  return qSampleAt(alphaBar(schedule, t), x0, noise);
}

/**
 * x0 noised to the point whose alpha_bar is `ab` (in (0, 1]; a fractional timestep has one too):
 * sqrt(ab) x0 + sqrt(1 - ab) noise. Per element in float64, stored float32.
 */
export function qSampleAt(ab: number, x0: Float32Array, noise: Float32Array): Float32Array {
  if (noise.length !== x0.length) {
    throw new RangeError(`qSample: noise has ${noise.length} values, x0 has ${x0.length}`);
  }
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = a * x0[i] + b * noise[i];
  return out;
}
