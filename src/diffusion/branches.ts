/**
 * What each branch of a guided step predicts, in noise units. The U-Net predicts v (Salimans & Ho
 * 2022); with x_t = sqrt(ab) x0 + sqrt(1 - ab) eps and v = sqrt(ab) eps - sqrt(1 - ab) x0,
 *   eps = sqrt(1 - ab) x_t + sqrt(ab) v     (linear in v, no clipping),
 * so guidance acts the same on eps as on v: eps_guided = eps_u + w (eps_c - eps_u) exactly.
 * Reference: training/schedule.py v_to_x0_eps (its eps) and guide. Per element in float64, stored float32.
 */

/** The noise estimate a v prediction implies at alpha_bar `ab` for sample `xT` (both [C, H, W]), unclipped. */
export function epsFromV(ab: number, xT: Float32Array, v: Float32Array): Float32Array {
  if (v.length !== xT.length) throw new RangeError(`epsFromV: x_t has ${xT.length} values, v ${v.length}`);
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  const out = new Float32Array(xT.length);
  for (let i = 0; i < xT.length; i++) out[i] = b * xT[i] + a * v[i];
  return out;
}

/** Per-branch noise estimates of one step ([C, H, W] each). */
export interface BranchEps {
  /** The unconditional branch's eps-hat (the uncond or negative prompt), or null at guidance 1 (no such branch). */
  uncond: Float32Array | null;
  /** The conditional branch's eps-hat (the prompt). */
  cond: Float32Array;
  /** eps_u + w (eps_c - eps_u), before any x0 clipping or guidance rescale; equals cond at guidance 1. */
  guided: Float32Array;
}

/**
 * Splits a U-Net output into per-branch eps-hat: `out` is [2, C, H, W] = [uncond, cond] when
 * `guided`, else [1, C, H, W] = [cond]; `w` is the guidance scale.
 */
export function branchEps(ab: number, xT: Float32Array, out: Float32Array, guided: boolean, w: number): BranchEps {
  const n = xT.length;
  if (out.length !== (guided ? 2 : 1) * n) {
    throw new RangeError(`branchEps: expected ${(guided ? 2 : 1) * n} output values for x_t of ${n}, got ${out.length}`);
  }
  if (!guided) {
    const cond = epsFromV(ab, xT, out);
    return { uncond: null, cond, guided: cond };
  }
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  const uncond = new Float32Array(n);
  const cond = new Float32Array(n);
  const mixed = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = b * xT[i] + a * out[i];
    const c = b * xT[i] + a * out[n + i];
    uncond[i] = u;
    cond[i] = c;
    // From the float32 values as shown, so the page's own numbers satisfy the formula to rounding.
    mixed[i] = uncond[i] + w * (cond[i] - uncond[i]);
  }
  return { uncond, cond, guided: mixed };
}
