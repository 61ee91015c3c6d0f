/**
 * One step of DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", algorithm 2): the multistep,
 * second-order solver of the diffusion ODE in data prediction (x0) form, for a v-predicting model.
 * The first step (no history yet) and the last (to the clean image) are first order, as diffusers'
 * DPMSolverMultistepScheduler with lower_order_final; first order is DPM-Solver++1, i.e. DDIM.
 * A pure function of (history, ab_t, ab_prev, x_t, v): the history is the state, passed in and returned.
 * Reference: training/samplers.py dpm_solver_step. Per element in float64, stored float32.
 */
import { stepFromV } from './prediction.ts';
import type { StepResult } from './sampler.ts';

/** What the next step needs from this one: its x0-hat and the lambda it was predicted at. */
export interface DpmSolverHistory {
  /** x0-hat of the previous step (clipped), same shape as x_t. */
  x0: Float32Array;
  /** lambda = log(alpha / sigma) at the previous step's x_t. */
  lambda: number;
}

/** A step's result plus the history for the next step. */
export interface DpmSolverStepResult extends StepResult {
  history: DpmSolverHistory;
}

/** lambda_t = log(alpha_t) - log(sigma_t), alpha = sqrt(ab), sigma = sqrt(1 - ab): half the log-SNR. */
function lambdaOf(ab: number): number {
  return Math.log(Math.sqrt(ab)) - Math.log(Math.sqrt(1 - ab));
}

/**
 * Steps x_t from alpha_bar `abT` to `abPrev` (1 = the clean image). `history` is null on the first
 * step of a run (or of an img2img start), else the previous step's result.history.
 */
export function dpmSolverStep(
  history: DpmSolverHistory | null,
  abT: number,
  abPrev: number,
  xT: Float32Array,
  v: Float32Array,
): DpmSolverStepResult {
  if (v.length !== xT.length) throw new RangeError(`dpmSolverStep: v has ${v.length} values, x_t has ${xT.length}`);
  if (!(abPrev > abT)) throw new RangeError(`dpmSolverStep: ab_prev (${abPrev}) must be above ab_t (${abT})`);
  if (history && history.x0.length !== xT.length) {
    throw new RangeError(`dpmSolverStep: history has ${history.x0.length} values, x_t has ${xT.length}`);
  }
  const sigmaS = Math.sqrt(1 - abT);
  // (1) lambda at both ends, and the step in lambda: h = lambda_to - lambda_from.
  const lambdaS = lambdaOf(abT);
  const last = abPrev === 1; // lambda = +inf: first order, lands on x0-hat exactly
  const alphaT = Math.sqrt(abPrev);
  const sigmaT = Math.sqrt(1 - abPrev);
  const h = last ? Infinity : lambdaOf(abPrev) - lambdaS;
  // (3) Second order: D = (1 + 1/(2r)) x0 - 1/(2r) x0_last with r = h_last / h (algorithm 2).
  const secondOrder = history !== null && !last;
  const r = secondOrder ? (lambdaS - history.lambda) / h : 0;
  const cNow = secondOrder ? 1 + 1 / (2 * r) : 1;
  const cLast = secondOrder ? 1 / (2 * r) : 0;
  // (4) x_to = (sigma_to / sigma_from) x_t - alpha_to (e^-h - 1) D   (the exact solution's first-order
  //     expansion in data prediction form)
  const cx = last ? 0 : sigmaT / sigmaS;
  const cd = last ? 0 : alphaT * (Math.exp(-h) - 1);

  // (2) x0 = sqrt(ab) x_t - sqrt(1 - ab) v, clipped, and eps re-derived from it (prediction.ts).
  const result = stepFromV(abT, xT, v, (i, x, x0) => {
    if (last) return x0;
    const d = secondOrder ? cNow * x0 - cLast * history.x0[i] : x0;
    return cx * x - cd * d;
  });
  return { ...result, history: { x0: result.predOriginalSample.slice(), lambda: lambdaS } };
}
