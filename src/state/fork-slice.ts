/**
 * The branch being set up: after the step with index `forkAt` (the last one shared with the parent
 * run, whose settings are the form's), Generate goes on with the branch's prompt, negative prompt,
 * guidance and noise. -1 = no branch. The URL carries it (fork, fork_prompt, ...), so a link
 * reproduces parent + branch point + branch.
 */
import type { StateCreator } from 'zustand';
import type { Fork } from '../worker/pipeline.ts';
import type { StoreState } from './store.ts';
import { defaultUrlState } from './url-state.ts';

export interface ForkSlice {
  /** Index of the last step shared with the parent run; -1 = no branch. */
  forkAt: number;
  forkPrompt: string;
  forkNegative: string;
  forkGuidance: number;
  /** Seed of the branch's later noise; -1 keeps the parent's generator. */
  forkSeed: number;
  /** Sets every field of the branch (at -1 removes it). */
  setFork(fork: { at: number; prompt: string; negativePrompt: string; guidance: number; seed: number }): void;
  clearFork(): void;
}

/** The pipeline's fork for the store's branch, or undefined when there is none. */
export function forkOf(s: ForkSlice): Fork | undefined {
  if (s.forkAt < 0) return undefined;
  return { at: s.forkAt, prompt: s.forkPrompt, negativePrompt: s.forkNegative, guidance: s.forkGuidance, seed: s.forkSeed < 0 ? null : s.forkSeed };
}

export const createForkSlice: StateCreator<StoreState, [], [], ForkSlice> = (set) => {
  const d = defaultUrlState();
  return {
    forkAt: d.fork,
    forkPrompt: d.fork_prompt,
    forkNegative: d.fork_negative,
    forkGuidance: d.fork_guidance,
    forkSeed: d.fork_seed,
    setFork: ({ at, prompt, negativePrompt, guidance, seed }) =>
      set({ forkAt: at, forkPrompt: prompt, forkNegative: negativePrompt, forkGuidance: guidance, forkSeed: seed }),
    clearFork: () => set({ forkAt: -1 }),
  };
};
