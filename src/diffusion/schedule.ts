/**
 * The noise schedule (as the manifest carries it) and the sampling timesteps.
 * Reference: training/schedule.py.
 */

/** The schedule block of manifest.json, with the table as float64. */
export interface NoiseSchedule {
  /** Name of the schedule that produced the table, e.g. "cosine". Informational. */
  type: string;
  /** T, the number of training timesteps; valid t are 0..T-1. */
  num_train_timesteps: number;
  /** alpha_bar_t (cumulative product of 1 - beta), index = t. // [T] */
  alphas_cumprod: Float64Array;
}

/**
 * The DDIM timesteps for `steps` sampling steps, "trailing" spacing (Lin et al. 2024, table 2):
 * t_i = floor(T - i*T/N + 0.5) - 1 for i = 0..N-1, so the first step is at T-1 (pure noise).
 * Throws unless `steps` is an integer in 1..T.
 */
export function ddimTimesteps(steps: number, T: number): Int32Array {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new RangeError(`steps must be an integer in 1..${T}, got ${steps}`);
  }
  const out = new Int32Array(steps);
  for (let i = 0; i < steps; i++) out[i] = Math.floor(T - (i * T) / steps + 0.5) - 1;
  return out;
}

/** alpha_bar_t from the table; t = -1 (past the last step, the clean image) gives exactly 1. */
export function alphaBar(schedule: Pick<NoiseSchedule, 'alphas_cumprod'>, t: number): number {
  if (t === -1) return 1;
  const table = schedule.alphas_cumprod;
  if (!Number.isInteger(t) || t < 0 || t >= table.length) {
    throw new RangeError(`timestep must be an integer in -1..${table.length - 1}, got ${t}`);
  }
  return table[t];
}

/**
 * The cosine schedule's alpha_bar table (Nichol & Dhariwal 2021, eq. 17), betas clipped at
 * `maxBeta` as in their code. Training writes this table into the manifest; the page uses the
 * manifest's copy, this function exists so tests can check it and build fake manifests.
 */
export function cosineAlphasCumprod(T = 1000, s = 0.008, maxBeta = 0.999): Float64Array {
  const f = (u: number) => Math.cos(((u + s) / (1 + s)) * (Math.PI / 2)) ** 2;
  const out = new Float64Array(T);
  let prod = 1;
  for (let i = 0; i < T; i++) {
    const beta = Math.min(1 - f((i + 1) / T) / f(i / T), maxBeta);
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}
