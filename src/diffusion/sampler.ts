/**
 * The samplers behind one interface, so the pipeline's loop is the same for all of them:
 * `samplerStep(state, from, to, v, noise) -> { state, prevSample, predOriginalSample, predEpsilon }`.
 * Each algorithm lives in its own file (ddim.ts, ddpm.ts, euler-ancestral.ts, dpm-solver.ts); this
 * file only says which needs what. Reference: training/samplers.py (run, needs_noise).
 */
import { ddimStep } from './ddim.ts';
import { ddpmStep } from './ddpm.ts';
import { dpmSolverStep, type DpmSolverHistory } from './dpm-solver.ts';
import { eulerAncestralStep } from './euler-ancestral.ts';
import type { NoiseSchedule } from './schedule.ts';
import type { Spacing, StepPoint } from './spacing.ts';

/** The samplers the page offers. */
export type SamplerName = 'ddim' | 'ddpm' | 'euler-a' | 'dpmpp-2m';

/** What one step produces; every array has the shape of x_t, e.g. [3, H, W]. */
export interface StepResult {
  /** x at the step's target point (the final image when the target is t = -1). */
  prevSample: Float32Array;
  /** The model's estimate of the clean image x0, clipped to [-1, 1]. */
  predOriginalSample: Float32Array;
  /** The noise estimate eps consistent with x_t and the clipped x0. */
  predEpsilon: Float32Array;
}

/** What a sampler is, for validation and the UI. */
export interface SamplerInfo {
  name: SamplerName;
  /** Human name, e.g. "DPM++ 2M". */
  label: string;
  /** Spacings it supports; the first is its default. Karras needs a sampler that works in sigma. */
  spacings: readonly Spacing[];
  /** Draws fresh noise on its steps (DDIM: only with eta > 0). */
  stochastic: boolean;
}

/** Every sampler, in the order the UI lists them. */
export const SAMPLERS: readonly SamplerInfo[] = [
  { name: 'ddim', label: 'DDIM', spacings: ['trailing'], stochastic: false },
  { name: 'ddpm', label: 'DDPM', spacings: ['trailing'], stochastic: true },
  { name: 'euler-a', label: 'Euler a', spacings: ['trailing', 'karras'], stochastic: true },
  { name: 'dpmpp-2m', label: 'DPM++ 2M', spacings: ['trailing', 'karras'], stochastic: false },
];

/** The sampler's description; throws for an unknown name. */
export function samplerInfo(name: SamplerName): SamplerInfo {
  const info = SAMPLERS.find((s) => s.name === name);
  if (!info) throw new RangeError(`unknown sampler "${name}"; expected one of ${SAMPLERS.map((s) => s.name).join(', ')}`);
  return info;
}

/** Whether `sampler` can run with `spacing`. */
export function supportsSpacing(sampler: SamplerName, spacing: Spacing): boolean {
  return samplerInfo(sampler).spacings.includes(spacing);
}

/** Everything a sampler carries from one step to the next. */
export interface SamplerState {
  /** x_t at the next step's starting point, VP units, [C, H, W]. */
  x: Float32Array;
  /** DPM-Solver++(2M) only: the previous step's x0-hat and lambda; null before the first step. */
  dpm: DpmSolverHistory | null;
}

/** The state before the first step, starting from x (pure noise x_T or an img2img start). */
export function initialSamplerState(x: Float32Array): SamplerState {
  return { x, dpm: null };
}

/**
 * Whether the step to `to` draws one sample's worth of normals: stochastic samplers (DDPM, Euler a,
 * DDIM with eta > 0) do, except on the step to the clean image (t = -1), whose added variance is 0.
 */
export function needsNoise(sampler: SamplerName, eta: number, to: StepPoint): boolean {
  const stochastic = samplerInfo(sampler).stochastic || (sampler === 'ddim' && eta > 0);
  return stochastic && to.t !== -1;
}

/** Sampler settings and this step's noise. */
export interface StepOptions {
  /** DDIM's eta in 0..1 (0 = deterministic); the other samplers take none. */
  eta?: number;
  /** Standard normals with the length of x, when needsNoise says so. */
  noise?: Float32Array;
}

/**
 * One step of `sampler` from point `from` to point `to` given the guided v at `from`. Returns the
 * step's estimates and the next state (whose x is prevSample). DDIM needs integer timesteps
 * (trailing spacing) because it reads alpha_bar from the schedule table.
 */
export function samplerStep(
  schedule: Pick<NoiseSchedule, 'alphas_cumprod'>,
  sampler: SamplerName,
  state: SamplerState,
  from: StepPoint,
  to: StepPoint,
  v: Float32Array,
  options: StepOptions = {},
): StepResult & { state: SamplerState } {
  const { eta = 0, noise } = options;
  switch (sampler) {
    case 'ddim': {
      const r = ddimStep(schedule, from.t, to.t, state.x, v, eta, noise);
      return { ...r, state: { x: r.prevSample, dpm: null } };
    }
    case 'ddpm': {
      const r = ddpmStep(from.ab, to.ab, state.x, v, noise);
      return { ...r, state: { x: r.prevSample, dpm: null } };
    }
    case 'euler-a': {
      const r = eulerAncestralStep(from.ab, to.ab, state.x, v, noise);
      return { ...r, state: { x: r.prevSample, dpm: null } };
    }
    case 'dpmpp-2m': {
      const { history, ...r } = dpmSolverStep(state.dpm, from.ab, to.ab, state.x, v);
      return { ...r, state: { x: r.prevSample, dpm: history } };
    }
    default:
      throw new RangeError(`unknown sampler "${sampler as string}"`);
  }
}
