/**
 * Classifier-free guidance (Ho & Salimans 2022): out = uncond + scale * (cond - uncond).
 * Reference: training/schedule.py guide.
 */

/**
 * Combines the halves of a batch-2 model output [uncond, cond] (each [C, H, W]) into one [C, H, W].
 * `scale` is the guidance weight: 0 = unconditional, 1 = conditional, > 1 = pushed past it.
 * Per element in float64, stored float32.
 */
export function classifierFreeGuidance(batch2: Float32Array, scale: number): Float32Array {
  if (batch2.length % 2 !== 0) {
    throw new RangeError(`guidance: batch-2 output has an odd length ${batch2.length}`);
  }
  const n = batch2.length / 2;
  const out = new Float32Array(n); // [C, H, W]
  for (let i = 0; i < n; i++) {
    const u = batch2[i];
    out[i] = u + scale * (batch2[n + i] - u);
  }
  return out;
}

/**
 * Guidance rescale (Lin et al. 2024, "Common diffusion noise schedules and sample steps are flawed",
 * section 3.4), applied to the clean-image estimate: a large guidance scale inflates x0-hat's spread
 * (over-exposed, burnt images); rescaling its standard deviation back to the conditional prediction's
 * fixes that. `vCond` and `vGuided` are the conditional and guided v at alpha_bar `ab` for sample
 * `xT`, all [C, H, W]; `phi` in 0..1 (0 = off, the paper suggests 0.7). Returns the v that gives the
 * rescaled x0 at x_t, so every sampler sees it the same way (eps follows from x_t and x0).
 * Per element in float64, stored float32. Reference: training/samplers.py guidance_rescale.
 */
export function rescaleGuidance(ab: number, xT: Float32Array, vCond: Float32Array, vGuided: Float32Array, phi: number): Float32Array {
  const n = xT.length;
  if (vCond.length !== n || vGuided.length !== n) {
    throw new RangeError(`rescaleGuidance: x_t has ${n} values, v_cond ${vCond.length}, v_guided ${vGuided.length}`);
  }
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  // (1) x0_pos and x0_cfg from the conditional and guided v (unclipped).
  const pos = new Float64Array(n);
  const cfg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    pos[i] = a * xT[i] - b * vCond[i];
    cfg[i] = a * xT[i] - b * vGuided[i];
  }
  // (2) x0_rescaled = x0_cfg * std(x0_pos) / std(x0_cfg). Population std: the paper's (and torch's
  //     unbiased) std differ by a factor sqrt(n / (n-1)) that cancels in the ratio.
  const stdCfg = std(cfg);
  const factor = stdCfg > 0 ? std(pos) / stdCfg : 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    // (3) x0_final = phi x0_rescaled + (1 - phi) x0_cfg;  (4) back to v = (sqrt(ab) x_t - x0) / sqrt(1 - ab).
    const x0 = phi * (cfg[i] * factor) + (1 - phi) * cfg[i];
    out[i] = (a * xT[i] - x0) / b;
  }
  return out;
}

/** Population standard deviation, two passes. */
function std(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean;
    sq += d * d;
  }
  return Math.sqrt(sq / x.length);
}
