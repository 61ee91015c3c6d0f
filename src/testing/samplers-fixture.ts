/** Test support (Node only): the runs of src/fixtures/samplers-dummy.json (docs/model-contract.md). */
import type { SamplerName } from '../diffusion/sampler.ts';
import type { Spacing } from '../diffusion/spacing.ts';
import { readFixture, type FixtureArray } from './fixtures.ts';

/** One step of a run, as training/samplers.py computed it. */
export type SamplerFrame = {
  /** The point the step starts from (t fractional for Karras) and its target (-1 = the clean image). */
  t: number;
  t_prev: number;
  /** alpha_bar at t and at t_prev. */
  ab: number;
  ab_prev: number;
  /** The sampler's normals for this step, and the inpainting blend's, or null when none were drawn. */
  noise: FixtureArray | null;
  inpaint_noise: FixtureArray | null;
} & Record<'x_t' | 'v' | 'x0' | 'eps' | 'prev', FixtureArray>;

/** One whole generation with the contract's dummy model. */
export type SamplerRun = {
  sampler: SamplerName;
  spacing: Spacing;
  seed: number;
  /** [1, 3, H, W] */
  shape: number[];
  steps: number;
  guidance: number;
  eta: number;
  rescale: number;
  init: { image: FixtureArray; strength: number } | null;
  /** mask is [H, W], 1 = keep the known image. */
  inpaint: { image: FixtureArray; mask: FixtureArray } | null;
  /** The seed's first C*H*W normals (x_T, or the img2img noise). */
  x_T: FixtureArray;
  frames: SamplerFrame[];
};

/** The sampler settings a fixture run records (samplers-dummy.json or real-runs.json), as generate() takes them. */
export function samplerSettings(run: Pick<SamplerRun, 'seed' | 'steps' | 'guidance' | 'sampler' | 'spacing' | 'eta' | 'rescale'>) {
  const { seed, steps, guidance, sampler, spacing, eta, rescale } = run;
  return { seed, steps, guidance, sampler, spacing, eta, rescale };
}

/** Every run of samplers-dummy.json. */
export function samplerRuns(): SamplerRun[] {
  return readFixture<{ runs: SamplerRun[] }>('samplers-dummy.json').runs;
}
