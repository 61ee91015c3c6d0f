/**
 * Compare (A/B): run A is the main settings' run (the generation slice shows it as always); run B,
 * held here, runs beside it in the same worker with its own prompt, seed, steps, guidance and
 * sampler and A's other settings. The two are one request to the worker, their steps alternate.
 * The URL carries the mode and B's settings (cmp, b_*), so a link reopens the comparison.
 */
import type { StateCreator } from 'zustand';
import { samplerInfo, SAMPLERS, supportsSpacing } from '../diffusion/sampler.ts';
import { clampNumber, COMPARE_KEYS, defaultUrlState, pick, runSettings, type CompareSettings, type RunSettings } from '../settings/fields.ts';
import type { Frame, GenerationStatus } from './generation-slice.ts';
import type { StoreState } from './store.ts';
import { cutAtCodePoint } from './url-state.ts';

export interface CompareSlice {
  /** Whether Generate runs A and B side by side. */
  compareOn: boolean;
  /** B's settings (kept while compare is off). */
  compareB: CompareSettings;
  /** Request ids of the latest comparison: A's (the generation slice's) and B's; null before one. */
  compareIds: { a: number; b: number } | null;
  compareStatus: GenerationStatus;
  /** B's settings as it runs (A's others included). */
  compareParams: RunSettings | null;
  /** B's frames received so far, in step order. */
  compareFrames: Frame[];
  compareError: string | null;
  /** Turns compare on or off, keeping B's settings as they are (a link's, or the last ones). */
  setCompareOn(on: boolean): void;
  /** Turns compare on with B = A's settings and the next seed: one change to look for. */
  startComparing(): void;
  /** Changes some of B's settings, each clamped to its URL range (an unknown sampler is ignored). */
  setCompareB(change: Partial<CompareSettings>): void;
  /** A comparison was sent: B (request `ids.b`) runs with `params` beside A (`ids.a`). */
  startCompare(ids: { a: number; b: number }, params: RunSettings): void;
  /** Ignored unless `id` is the current B (a late frame of a replaced comparison). */
  addCompareFrame(id: number, frame: Frame): void;
  completeCompare(id: number): void;
  cancelCompare(id: number): void;
  failCompare(id: number, message: string): void;
}

/** B's full settings: A's, with B's own five fields; no branch. A spacing B's sampler cannot run falls back to its first. */
export function compareParamsOf(a: RunSettings, b: CompareSettings): RunSettings {
  const spacing = supportsSpacing(b.b_sampler, a.spacing) ? a.spacing : samplerInfo(b.b_sampler).spacings[0];
  // eta belongs to DDIM, as in runOf.
  return {
    ...a,
    prompt: b.b_prompt, seed: b.b_seed, steps: b.b_steps, guidance: b.b_guidance, sampler: b.b_sampler, spacing,
    eta: b.b_sampler === 'ddim' ? a.eta : 0,
    ...pick(runSettings(), ['fork', 'fork_prompt', 'fork_negative', 'fork_guidance', 'fork_seed']),
  };
}

/** The default B for A's settings: the same, with the next seed (wrapping at 2^32). */
export function defaultCompareB(a: Pick<RunSettings, 'prompt' | 'seed' | 'steps' | 'guidance' | 'sampler'>): CompareSettings {
  return { b_prompt: a.prompt, b_seed: (a.seed + 1) % 4294967296, b_steps: a.steps, b_guidance: a.guidance, b_sampler: a.sampler };
}

export const createCompareSlice: StateCreator<StoreState, [], [], CompareSlice> = (set, get) => {
  const d = defaultUrlState();
  const isB = (id: number) => get().compareIds?.b === id;
  return {
    compareOn: d.cmp === 1,
    compareB: pick(d, COMPARE_KEYS),
    compareIds: null,
    compareStatus: 'idle',
    compareParams: null,
    compareFrames: [],
    compareError: null,
    setCompareOn: (compareOn) => set({ compareOn }),
    startComparing: () => set({ compareOn: true, compareB: defaultCompareB(get().settings) }),
    setCompareB: (change) => {
      const b = { ...get().compareB };
      if (change.b_prompt !== undefined) b.b_prompt = cutAtCodePoint(change.b_prompt, 500);
      if (change.b_seed !== undefined) b.b_seed = clampNumber('b_seed', change.b_seed);
      if (change.b_steps !== undefined) b.b_steps = clampNumber('b_steps', change.b_steps);
      if (change.b_guidance !== undefined) b.b_guidance = clampNumber('b_guidance', change.b_guidance);
      if (change.b_sampler !== undefined && SAMPLERS.some((s) => s.name === change.b_sampler)) b.b_sampler = change.b_sampler;
      set({ compareB: b });
    },
    startCompare: (ids, params) =>
      set({ compareIds: ids, compareStatus: 'running', compareParams: { ...params }, compareFrames: [], compareError: null }),
    addCompareFrame: (id, frame) => {
      if (isB(id)) set((s) => ({ compareFrames: [...s.compareFrames, frame] }));
    },
    completeCompare: (id) => {
      if (isB(id)) set({ compareStatus: 'done' });
    },
    cancelCompare: (id) => {
      if (isB(id) && get().compareStatus === 'running') set({ compareStatus: 'cancelled' });
    },
    failCompare: (id, message) => {
      if (isB(id)) set({ compareStatus: 'error', compareError: message });
    },
  };
};
