/**
 * The page's one store, made of typed slices. Components select single fields; per-step canvas
 * updates read it through `useStore.subscribe`, not React renders.
 */
import { create } from 'zustand';
import { createForwardSlice, type ForwardSlice } from './forward-slice.ts';
import { createGenerationSlice, type GenerationSlice } from './generation-slice.ts';
import { createHistorySlice, type HistorySlice } from './history-slice.ts';
import { createModelSlice, type ModelSlice } from './model-slice.ts';
import { createParamsSlice, type ParamsSlice } from './params-slice.ts';
import type { UrlState } from './url-state.ts';

export type StoreState = ParamsSlice & GenerationSlice & ForwardSlice & ModelSlice & HistorySlice;

export const useStore = create<StoreState>()((...a) => ({
  ...createParamsSlice(...a),
  ...createGenerationSlice(...a),
  ...createForwardSlice(...a),
  ...createModelSlice(...a),
  ...createHistorySlice(...a),
}));

/** The store's share of the URL hash. */
export function selectUrlState(s: StoreState): UrlState {
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
  if (values.keep !== undefined) s.setKeepHalf(values.keep);
}
