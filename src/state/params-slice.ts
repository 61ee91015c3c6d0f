/** What the person asks for: the prompt and the sampler settings (all mirrored in the URL hash). */
import type { StateCreator } from 'zustand';
import { defaultUrlState, URL_FIELDS } from './url-state.ts';
import type { StoreState } from './store.ts';

export interface ParamsSlice {
  prompt: string;
  /** uint32 seed of the starting noise x_T. */
  seed: number;
  /** Number of DDIM steps. */
  steps: number;
  /** Classifier-free guidance scale (1 = conditional only, 0 = unconditional). */
  guidance: number;
  setPrompt(prompt: string): void;
  setSeed(seed: number): void;
  setSteps(steps: number): void;
  setGuidance(guidance: number): void;
}

const range = (name: 'seed' | 'steps' | 'guidance') => {
  const field = URL_FIELDS.find((f) => f.name === name)!;
  return field as { min: number; max: number; default: number };
};

/** Clamps to the URL table's range; NaN becomes the default. */
function clampTo(name: 'seed' | 'steps' | 'guidance', value: number, integer: boolean): number {
  const { min, max, default: fallback } = range(name);
  if (!Number.isFinite(value)) return fallback;
  const v = integer ? Math.round(value) : value;
  return Math.min(max, Math.max(min, v));
}

export const createParamsSlice: StateCreator<StoreState, [], [], ParamsSlice> = (set) => {
  const d = defaultUrlState();
  return {
    prompt: d.prompt,
    seed: d.seed,
    steps: d.steps,
    guidance: d.guidance,
    setPrompt: (prompt) => set({ prompt }),
    setSeed: (seed) => set({ seed: clampTo('seed', seed, true) }),
    setSteps: (steps) => set({ steps: clampTo('steps', steps, true) }),
    setGuidance: (guidance) => set({ guidance: clampTo('guidance', guidance, false) }),
  };
};
