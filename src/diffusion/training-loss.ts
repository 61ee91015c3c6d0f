/**
 * One term of the loss the U-Net was trained on (training/train.py): x_t = sqrt(ab) x0 + sqrt(1 - ab) eps
 * with eps ~ N(0, I), the target v = sqrt(ab) eps - sqrt(1 - ab) x0 (Salimans & Ho 2022), and the loss
 * mean((v_hat - v)^2) over every value, unweighted, t uniform in 0..T-1. Because
 * eps_hat - eps = sqrt(ab) (v_hat - v), the eps-MSE of the same prediction is ab times the v-MSE.
 * Reference: training/schedule.py v_target and loss_term. Per element in float64, stored float32.
 */
import { epsFromV } from './branches.ts';

/** The training target v for clean image `x0` and noise `eps` (same length) at alpha_bar `ab`. */
export function vTarget(ab: number, x0: Float32Array, eps: Float32Array): Float32Array {
  if (eps.length !== x0.length) throw new RangeError(`vTarget: x0 has ${x0.length} values, eps ${eps.length}`);
  const a = Math.sqrt(ab);
  const b = Math.sqrt(1 - ab);
  const out = new Float32Array(x0.length);
  for (let i = 0; i < x0.length; i++) out[i] = a * eps[i] - b * x0[i];
  return out;
}

/** Mean of (a - b)^2 over every value, summed in float64. */
export function meanSquaredError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`meanSquaredError: lengths ${a.length} and ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return sum / a.length;
}

/** One term of the training loss, and what it means in noise units. Arrays have x0's shape. */
export interface LossTerm {
  /** The target the model was trained to predict. */
  v: Float32Array;
  /** The model's eps-hat, from its v (unclipped). */
  epsHat: Float32Array;
  /** eps_hat - eps, per value. */
  epsError: Float32Array;
  /** mean((v_hat - v)^2): the training loss term. */
  mseV: number;
  /** mean((eps_hat - eps)^2) = ab * mseV. */
  mseEps: number;
}

/** The loss term for clean image `x0`, drawn noise `eps`, noised sample `xT` and the model's `vHat`, at alpha_bar `ab`. */
export function lossTerm(ab: number, x0: Float32Array, eps: Float32Array, xT: Float32Array, vHat: Float32Array): LossTerm {
  const v = vTarget(ab, x0, eps);
  const epsHat = epsFromV(ab, xT, vHat);
  const epsError = epsHat.map((e, i) => e - eps[i]);
  return { v, epsHat, epsError, mseV: meanSquaredError(vHat, v), mseEps: meanSquaredError(epsHat, eps) };
}

/** Timesteps of a loss sweep: `points` integers spread evenly over 0..T-1 (the middle of each of `points` equal bins). */
export function sweepTimesteps(T: number, points = 24): number[] {
  if (!Number.isInteger(points) || points < 1 || points > T) throw new RangeError(`sweepTimesteps: points must be in 1..${T}, got ${points}`);
  return Array.from({ length: points }, (_, i) => Math.min(T - 1, Math.floor(((i + 0.5) * T) / points)));
}
