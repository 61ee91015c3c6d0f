/**
 * A finished run's settings as URL values and back: what links, exported PNGs and the history store
 * use, so one serialiser (url-state) describes a run everywhere.
 */
import type { GenerationParams } from './generation-slice.ts';
import { defaultUrlState, type UrlState } from './url-state.ts';

/** The URL values of a run's settings (the forward panel's t is not part of a run). */
export function urlStateOfRun(params: GenerationParams, base: UrlState = defaultUrlState()): UrlState {
  return {
    ...base,
    prompt: params.prompt,
    seed: params.seed,
    steps: params.steps,
    guidance: params.guidance,
    sampler: params.sampler,
    spacing: params.spacing,
    eta: params.eta,
    rescale: params.guidanceRescale,
    negative: params.negativePrompt,
    start: params.start,
    strength: params.strength,
    keep: params.keep,
    mask: params.keep === 'mask' ? (params.mask ?? '') : '',
    fork: params.fork?.at ?? -1,
    fork_prompt: params.fork?.prompt ?? base.fork_prompt,
    fork_negative: params.fork?.negativePrompt ?? base.fork_negative,
    fork_guidance: params.fork?.guidance ?? base.fork_guidance,
    fork_seed: params.fork ? (params.fork.seed ?? -1) : base.fork_seed,
  };
}

/** A run's settings back from URL values. */
export function runOfUrlState(v: UrlState): GenerationParams {
  return {
    prompt: v.prompt,
    seed: v.seed,
    steps: v.steps,
    guidance: v.guidance,
    sampler: v.sampler,
    spacing: v.spacing,
    eta: v.eta,
    guidanceRescale: v.rescale,
    negativePrompt: v.negative,
    start: v.start,
    strength: v.strength,
    keep: v.keep,
    ...(v.keep === 'mask' && { mask: v.mask }),
    ...(v.fork >= 0 && {
      fork: { at: v.fork, prompt: v.fork_prompt, negativePrompt: v.fork_negative, guidance: v.fork_guidance, seed: v.fork_seed < 0 ? null : v.fork_seed },
    }),
  };
}

