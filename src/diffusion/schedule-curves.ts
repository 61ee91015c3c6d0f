/**
 * What the schedule chart draws: ᾱ_t, the signal scale √ᾱ_t, the noise scale √(1 − ᾱ_t) and the
 * log signal-to-noise ratio log(ᾱ_t / (1 − ᾱ_t)) for every training timestep, and the timesteps a
 * sampler visits. Pure maths; the SVG lives in src/ui/schedule-chart.tsx.
 */
import type { NoiseSchedule } from './schedule.ts';
import { samplingPoints, type Spacing } from './spacing.ts';

/** The four curves of a schedule, one value per timestep t = 0..T-1. // each [T] */
export interface ScheduleCurves {
  alphaBar: Float64Array;
  /** √ᾱ_t: how much of the clean image x_t still holds. */
  signal: Float64Array;
  /** √(1 − ᾱ_t): the standard deviation of the noise in x_t. */
  noise: Float64Array;
  /** log(ᾱ_t / (1 − ᾱ_t)), natural log; +∞ where ᾱ_t = 1, −∞ where ᾱ_t = 0. */
  logSnr: Float64Array;
}

/** log SNR of one ᾱ: log(ᾱ / (1 − ᾱ)) = −2 log σ in the sigma parametrisation. */
export function logSnrOf(alphaBar: number): number {
  return Math.log(alphaBar) - Math.log1p(-alphaBar);
}

/** Every curve of the chart for `schedule`'s table. */
export function scheduleCurves(schedule: Pick<NoiseSchedule, 'alphas_cumprod'>): ScheduleCurves {
  const table = schedule.alphas_cumprod;
  const T = table.length;
  const out: ScheduleCurves = {
    alphaBar: new Float64Array(T),
    signal: new Float64Array(T),
    noise: new Float64Array(T),
    logSnr: new Float64Array(T),
  };
  for (let t = 0; t < T; t++) {
    const ab = table[t];
    out.alphaBar[t] = ab;
    out.signal[t] = Math.sqrt(ab);
    out.noise[t] = Math.sqrt(1 - ab);
    out.logSnr[t] = logSnrOf(ab);
  }
  return out;
}

/**
 * The timesteps an N-step run feeds the U-Net, in run order (first = noisiest), exactly as the sampler
 * computes them (samplingPoints, without the final clean-image point t = -1). Fractional for Karras
 * spacing. An img2img run visits only the last of these.
 */
export function samplerTimesteps(schedule: Pick<NoiseSchedule, 'alphas_cumprod'>, steps: number, spacing: Spacing): number[] {
  return samplingPoints(schedule, steps, spacing)
    .slice(0, -1)
    .map((p) => p.t);
}

/** The finite range of a curve (infinite ends ignored), for an axis. */
export function finiteRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) throw new RangeError('the curve has no finite value');
  return { min, max };
}

/** The index of the value in `ts` nearest to `t` (the first on a tie); -1 for an empty list. */
export function nearestIndex(ts: ArrayLike<number>, t: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (let i = 0; i < ts.length; i++) {
    const d = Math.abs(ts[i] - t);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}
