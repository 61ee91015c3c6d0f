/**
 * The page's one store, made of typed slices. Components select single fields; per-step canvas
 * updates read it through `useStore.subscribe`, not React renders.
 */
import { create } from 'zustand';
import { createForwardSlice, type ForwardSlice } from './forward-slice.ts';
import { createGenerationSlice, type GenerationSlice } from './generation-slice.ts';
import { createCompareSlice, type CompareSlice } from './compare-slice.ts';
import { createForkSlice, type ForkSlice } from './fork-slice.ts';
import { createMaskSlice, type MaskSlice } from './mask-slice.ts';
import { decodeSquareMask } from '../diffusion/mask-codec.ts';
import { createHistorySlice, type HistorySlice } from './history-slice.ts';
import { createModelSlice, type ModelSlice } from './model-slice.ts';
import { createParamsSlice, type ParamsSlice } from './params-slice.ts';
import { createTimelineSlice, type TimelineSlice } from './timeline-slice.ts';
import { defaultUrlState, type UrlState } from './url-state.ts';
import { formatForwardSource, parseForwardSource } from './forward-slice.ts';
import type { GenerationParams } from './generation-slice.ts';
import { supportsSpacing } from '../diffusion/sampler.ts';

export type StoreState = ParamsSlice & GenerationSlice & ForwardSlice & ModelSlice & TimelineSlice & HistorySlice & ForkSlice & MaskSlice & CompareSlice;

export const useStore = create<StoreState>()((...a) => ({
  ...createParamsSlice(...a),
  ...createGenerationSlice(...a),
  ...createForwardSlice(...a),
  ...createModelSlice(...a),
  ...createHistorySlice(...a),
  ...createForkSlice(...a),
  ...createMaskSlice(...a),
  ...createCompareSlice(...a),
  ...createTimelineSlice(...a),
}));

/** The store's share of the URL hash. */
export function selectUrlState(s: StoreState): UrlState {
  // The source run's settings travel only when the forward panel shows a generated image.
  const d = defaultUrlState();
  const run = s.forwardSource.kind === 'generated' ? s.forwardRun?.params : undefined;
  return {
    prompt: s.prompt,
    seed: s.seed,
    steps: s.steps,
    guidance: s.guidance,
    t: s.forwardT,
    sampler: s.sampler,
    spacing: s.spacing,
    eta: s.eta,
    rescale: s.guidanceRescale,
    negative: s.negativePrompt,
    start: s.startFrom,
    strength: s.strength,
    keep: s.keepHalf,
    mask: s.keepHalf === 'mask' ? (s.paintedMask?.code ?? '') : '',
    src: formatForwardSource(s.forwardSource),
    src_prompt: run?.prompt ?? d.src_prompt,
    src_seed: run?.seed ?? d.src_seed,
    src_steps: run?.steps ?? d.src_steps,
    src_guidance: run?.guidance ?? d.src_guidance,
    src_sampler: run?.sampler ?? d.src_sampler,
    src_spacing: run?.spacing ?? d.src_spacing,
    src_eta: run?.eta ?? d.src_eta,
    src_rescale: run?.guidanceRescale ?? d.src_rescale,
    src_negative: run?.negativePrompt ?? d.src_negative,
    fork: s.forkAt,
    fork_prompt: s.forkPrompt,
    fork_negative: s.forkNegative,
    fork_guidance: s.forkGuidance,
    fork_seed: s.forkSeed,
    cmp: s.compareOn ? 1 : 0,
    b_prompt: s.compareB.prompt,
    b_seed: s.compareB.seed,
    b_steps: s.compareB.steps,
    b_guidance: s.compareB.guidance,
    b_sampler: s.compareB.sampler,
  };
}

/** Applies URL values (already validated by url-state) to the store. */
export function applyUrlState(values: Partial<UrlState>): void {
  const s = useStore.getState();
  if (values.prompt !== undefined) s.setPrompt(values.prompt);
  if (values.seed !== undefined) s.setSeed(values.seed);
  if (values.steps !== undefined) s.setSteps(values.steps);
  if (values.guidance !== undefined) s.setGuidance(values.guidance);
  if (values.t !== undefined) s.setForwardT(values.t);
  if (values.sampler !== undefined) s.setSampler(values.sampler);
  if (values.spacing !== undefined) s.setSpacing(values.spacing); // after the sampler it must fit
  if (values.eta !== undefined) s.setEta(values.eta);
  if (values.rescale !== undefined) s.setGuidanceRescale(values.rescale);
  if (values.negative !== undefined) s.setNegativePrompt(values.negative);
  if (values.start !== undefined) s.setStartFrom(values.start);
  if (values.strength !== undefined) s.setStrength(values.strength);
  // The mask before keep: keep=mask with no mask yet would start from the default centre square.
  if (values.mask) {
    const { mask, side } = decodeSquareMask(values.mask); // url-state has checked that it decodes
    s.setPaintedMask(mask, side);
  }
  if (values.keep !== undefined) s.setKeepHalf(values.keep);
  if (values.fork !== undefined || values.fork_prompt !== undefined) {
    const d = defaultUrlState();
    s.setFork({
      at: values.fork ?? s.forkAt,
      prompt: values.fork_prompt ?? (values.fork !== undefined ? d.fork_prompt : s.forkPrompt),
      negativePrompt: values.fork_negative ?? s.forkNegative,
      guidance: values.fork_guidance ?? s.forkGuidance,
      seed: values.fork_seed ?? s.forkSeed,
    });
  }
  if (values.cmp !== undefined) s.setCompareOn(values.cmp === 1);
  const b = { prompt: values.b_prompt, seed: values.b_seed, steps: values.b_steps, guidance: values.b_guidance, sampler: values.b_sampler };
  const given = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length > 0) s.setCompareB(given);
  const source = values.src === undefined ? null : parseForwardSource(values.src);
  if (source?.kind === 'sample') s.setForwardSource(source);
  // "run": the page rebuilds that image (controller.ts) before running the link's own settings.
  if (source?.kind === 'generated') s.expectForwardRun(sourceRunOf({ ...defaultUrlState(), ...values }));
}

/**
 * The settings of a link's source run (src=run): the src_* fields, always from noise. Karras spacing
 * with a sampler that cannot use it falls back to trailing, as for the main settings.
 */
export function sourceRunOf(v: UrlState): GenerationParams {
  const spacing = supportsSpacing(v.src_sampler, v.src_spacing) ? v.src_spacing : 'trailing';
  return {
    prompt: v.src_prompt,
    seed: v.src_seed,
    steps: v.src_steps,
    guidance: v.src_guidance,
    sampler: v.src_sampler,
    spacing,
    eta: v.src_sampler === 'ddim' ? v.src_eta : 0,
    guidanceRescale: v.src_rescale,
    negativePrompt: v.src_negative,
    start: 'noise',
    strength: v.strength,
    keep: v.keep,
  };
}
