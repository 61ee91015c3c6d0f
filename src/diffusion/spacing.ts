/**
 * Where the steps of a run sit: "trailing" integer timesteps or Karras sigmas mapped back to
 * fractional timesteps. Reference: training/samplers.py (sampling_points).
 */
import { ddimTimesteps, type NoiseSchedule } from './schedule.ts';

/** How N steps are placed over the schedule. */
export type Spacing = 'trailing' | 'karras';

/** Every spacing, in the order the UI lists them. */
export const SPACINGS: readonly Spacing[] = ['trailing', 'karras'];

/** Karras et al. 2022, eq. 5 and table 1. */
export const KARRAS_RHO = 7;

/**
 * One point of a run: the timestep the U-Net is fed and alpha_bar there. A step goes from point i to
 * point i + 1; the last point is the clean image { t: -1, ab: 1 }.
 */
export interface StepPoint {
  /** Model timestep, 0..T-1, fractional for Karras spacing; -1 = the clean image. */
  t: number;
  /** alpha_bar at this point, in (0, 1]; sigma = sqrt((1 - ab) / ab). */
  ab: number;
}

/**
 * Karras et al. 2022, eq. 5: sigma_i = (smax^(1/rho) + i/(N-1) (smin^(1/rho) - smax^(1/rho)))^rho for
 * i = 0..N-1, decreasing from sigmaMax to sigmaMin (N = 1 gives sigmaMax alone). The final sigma = 0 is
 * the caller's.
 */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number, rho = KARRAS_RHO): Float64Array {
  const hi = sigmaMax ** (1 / rho);
  const lo = sigmaMin ** (1 / rho);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (hi + (n > 1 ? i / (n - 1) : 0) * (lo - hi)) ** rho;
  return out;
}

/** log sigma_t = log sqrt((1 - ab_t) / ab_t) for every table entry (increasing in t). // [T] */
export function logSigmas(alphasCumprod: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphasCumprod.length);
  for (let t = 0; t < out.length; t++) {
    const a = alphasCumprod[t];
    out[t] = Math.log(Math.sqrt((1 - a) / a));
  }
  return out;
}

/**
 * The fractional timestep of `sigma`: linear in log sigma between the two neighbouring table entries
 * (diffusers' `_sigma_to_t`), clamped to 0..T-1. `logs` comes from logSigmas.
 */
export function sigmaToT(logs: Float64Array, sigma: number): number {
  const ls = Math.log(sigma);
  // low = the last index with logs[low] <= ls (binary search), kept within 0..T-2.
  let lo = 0;
  let hi = logs.length; // first index with logs[i] > ls lies in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (logs[mid] <= ls) lo = mid + 1;
    else hi = mid;
  }
  const low = Math.min(Math.max(lo - 1, 0), logs.length - 2);
  const w = Math.min(Math.max((logs[low] - ls) / (logs[low] - logs[low + 1]), 0), 1);
  return (1 - w) * low + w * (low + 1);
}

/**
 * The N + 1 points of an N-step run over `schedule`, ending at the clean image.
 * - trailing: t_i = ddimTimesteps(N) (integers), ab from the table.
 * - karras: sigma_i from eq. 5 between the table's sigma(0) and sigma(T-1), ab_i = 1 / (1 + sigma_i^2)
 *   exactly (the sampler's maths use this), t_i = sigmaToT(sigma_i) (what the U-Net is fed; its
 *   sinusoidal embedding takes a float, so a fractional t is fine).
 * Throws unless `steps` is an integer in 1..T.
 */
export function samplingPoints(
  schedule: Pick<NoiseSchedule, 'alphas_cumprod'>,
  steps: number,
  spacing: Spacing,
): StepPoint[] {
  const table = schedule.alphas_cumprod;
  const T = table.length;
  let points: StepPoint[];
  if (spacing === 'trailing') {
    points = Array.from(ddimTimesteps(steps, T), (t) => ({ t, ab: table[t] }));
  } else if (spacing === 'karras') {
    ddimTimesteps(steps, T); // the same range check and message
    const logs = logSigmas(table);
    const sigmas = karrasSigmas(Math.exp(logs[0]), Math.exp(logs[T - 1]), steps);
    points = Array.from(sigmas, (s) => ({ t: sigmaToT(logs, s), ab: 1 / (1 + s * s) }));
  } else {
    throw new RangeError(`unknown spacing "${spacing as string}"`);
  }
  points.push({ t: -1, ab: 1 });
  return points;
}
