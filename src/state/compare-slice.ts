/**
 * Compare (A/B): run A is the main settings' run (the generation slice shows it as always); run B,
 * held here, runs beside it in the same worker with its own prompt, seed, steps, guidance and
 * sampler and A's other settings. The two are one request to the worker, their steps alternate.
 * The URL carries the mode and B's settings (cmp, b_*), so a link reopens the comparison.
 */
import type { StateCreator } from 'zustand';
import { samplerInfo, SAMPLERS, supportsSpacing, type SamplerName } from '../diffusion/sampler.ts';
import type { Frame, GenerationParams, GenerationStatus } from './generation-slice.ts';
import type { StoreState } from './store.ts';
import { cutAtCodePoint, defaultUrlState, URL_FIELDS } from './url-state.ts';

/** B's own settings; everything else B takes from A. */
export interface CompareSettings {
  prompt: string;
  seed: number;
  steps: number;
  guidance: number;
  sampler: SamplerName;
}

export interface CompareSlice {
  /** Whether Generate runs A and B side by side. */
  compareOn: boolean;
  /** B's settings (kept while compare is off). */
  compareB: CompareSettings;
  /** Request ids of the latest comparison: A's (the generation slice's) and B's; null before one. */
  compareIds: { a: number; b: number } | null;
  compareStatus: GenerationStatus;
  /** B's settings as it runs (A's others included). */
  compareParams: GenerationParams | null;
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
  startCompare(ids: { a: number; b: number }, params: GenerationParams): void;
  /** Ignored unless `id` is the current B (a late frame of a replaced comparison). */
  addCompareFrame(id: number, frame: Frame): void;
  completeCompare(id: number): void;
  cancelCompare(id: number): void;
  failCompare(id: number, message: string): void;
}

/** B's full settings: A's, with B's own five fields; no branch. A spacing B's sampler cannot run falls back to its first. */
export function compareParamsOf(a: GenerationParams, b: CompareSettings): GenerationParams {
  const { fork: _fork, ...rest } = a;
  const spacing = supportsSpacing(b.sampler, a.spacing) ? a.spacing : samplerInfo(b.sampler).spacings[0];
  // eta belongs to DDIM, as in generateNow.
  return { ...rest, prompt: b.prompt, seed: b.seed, steps: b.steps, guidance: b.guidance, sampler: b.sampler, spacing, eta: b.sampler === 'ddim' ? a.eta : 0 };
}

/** The default B for A's settings: the same, with the next seed (wrapping at 2^32). */
export function defaultCompareB(a: Pick<StoreState, 'prompt' | 'seed' | 'steps' | 'guidance' | 'sampler'>): CompareSettings {
  return { prompt: a.prompt, seed: (a.seed + 1) % 4294967296, steps: a.steps, guidance: a.guidance, sampler: a.sampler };
}

type NumberKey = 'b_seed' | 'b_steps' | 'b_guidance';

/** Clamps to the URL table's range of `name` (NaN becomes its default). */
function clampTo(name: NumberKey, value: number): number {
  const f = URL_FIELDS.find((x) => x.name === name) as { type: string; min: number; max: number; default: number };
  if (!Number.isFinite(value)) return f.default;
  const v = f.type === 'int' ? Math.round(value) : value;
  return Math.min(f.max, Math.max(f.min, v));
}

export const createCompareSlice: StateCreator<StoreState, [], [], CompareSlice> = (set, get) => {
  const d = defaultUrlState();
  const isB = (id: number) => get().compareIds?.b === id;
  return {
    compareOn: d.cmp === 1,
    compareB: { prompt: d.b_prompt, seed: d.b_seed, steps: d.b_steps, guidance: d.b_guidance, sampler: d.b_sampler },
    compareIds: null,
    compareStatus: 'idle',
    compareParams: null,
    compareFrames: [],
    compareError: null,
    setCompareOn: (compareOn) => set({ compareOn }),
    startComparing: () => set({ compareOn: true, compareB: defaultCompareB(get()) }),
    setCompareB: (change) => {
      const b = { ...get().compareB };
      if (change.prompt !== undefined) b.prompt = cutAtCodePoint(change.prompt, 500);
      if (change.seed !== undefined) b.seed = clampTo('b_seed', change.seed);
      if (change.steps !== undefined) b.steps = clampTo('b_steps', change.steps);
      if (change.guidance !== undefined) b.guidance = clampTo('b_guidance', change.guidance);
      if (change.sampler !== undefined && SAMPLERS.some((s) => s.name === change.sampler)) b.sampler = change.sampler;
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
