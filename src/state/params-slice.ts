/** What the person asks for: the prompt and the sampler settings (all mirrored in the URL hash). */
import type { StateCreator } from 'zustand';
import { samplerInfo, SAMPLERS, supportsSpacing, type SamplerName } from '../diffusion/sampler.ts';
import type { Spacing } from '../diffusion/spacing.ts';
import { centreMask } from '../diffusion/mask-paint.ts';
import { defaultUrlState, KEEP_CHOICES, START_MODES, URL_FIELDS, type KeepChoice, type StartMode } from './url-state.ts';
import type { StoreState } from './store.ts';

export interface ParamsSlice {
  prompt: string;
  /** Text to steer away from: the unconditional branch of guidance ("" = the model's own). */
  negativePrompt: string;
  /** uint32 seed of the starting noise x_T. */
  seed: number;
  /** Number of sampler steps. */
  steps: number;
  /** Classifier-free guidance scale (1 = conditional only, 0 = unconditional). */
  guidance: number;
  /** Guidance rescale phi, 0..1 (0 = off). */
  guidanceRescale: number;
  sampler: SamplerName;
  /** Step spacing; always one the sampler supports. */
  spacing: Spacing;
  /** DDIM's eta, 0..1; kept while another sampler is chosen, sent only with DDIM. */
  eta: number;
  /** What the run starts from; img2img and inpaint use the forward panel's image. */
  startFrom: StartMode;
  /** img2img strength, 0.05..1: the share of the steps run (1 = from nearly pure noise). */
  strength: number;
  /** What inpainting keeps: a half of the image, or 'mask', the painted mask (see mask-slice). */
  keepHalf: KeepChoice;
  setPrompt(prompt: string): void;
  setNegativePrompt(negativePrompt: string): void;
  setSeed(seed: number): void;
  setSteps(steps: number): void;
  setGuidance(guidance: number): void;
  setGuidanceRescale(guidanceRescale: number): void;
  /** Switches sampler; a spacing it cannot run falls back to trailing. Unknown names are ignored. */
  setSampler(sampler: SamplerName): void;
  /** Ignored unless the current sampler supports `spacing`. */
  setSpacing(spacing: Spacing): void;
  setEta(eta: number): void;
  /** Unknown modes are ignored. */
  setStartFrom(start: StartMode): void;
  setStrength(strength: number): void;
  /** Unknown choices are ignored; 'mask' with nothing painted yet starts from a centre square to regenerate. */
  setKeepHalf(keep: KeepChoice): void;
}

type NumberField = 'seed' | 'steps' | 'guidance' | 'eta' | 'rescale' | 'strength';

const range = (name: NumberField) => {
  const field = URL_FIELDS.find((f) => f.name === name)!;
  return field as { min: number; max: number; default: number };
};

/** Clamps to the URL table's range; NaN becomes the default. */
function clampTo(name: NumberField, value: number, integer: boolean): number {
  const { min, max, default: fallback } = range(name);
  if (!Number.isFinite(value)) return fallback;
  const v = integer ? Math.round(value) : value;
  return Math.min(max, Math.max(min, v));
}

export const createParamsSlice: StateCreator<StoreState, [], [], ParamsSlice> = (set, get) => {
  const d = defaultUrlState();
  return {
    prompt: d.prompt,
    negativePrompt: d.negative,
    seed: d.seed,
    steps: d.steps,
    guidance: d.guidance,
    guidanceRescale: d.rescale,
    sampler: d.sampler,
    spacing: d.spacing,
    eta: d.eta,
    startFrom: d.start,
    strength: d.strength,
    keepHalf: d.keep,
    setPrompt: (prompt) => set({ prompt }),
    setNegativePrompt: (negativePrompt) => set({ negativePrompt }),
    setSeed: (seed) => set({ seed: clampTo('seed', seed, true) }),
    setSteps: (steps) => set({ steps: clampTo('steps', steps, true) }),
    setGuidance: (guidance) => set({ guidance: clampTo('guidance', guidance, false) }),
    setGuidanceRescale: (phi) => set({ guidanceRescale: clampTo('rescale', phi, false) }),
    setSampler: (sampler) => {
      if (!SAMPLERS.some((s) => s.name === sampler)) return;
      set({ sampler, spacing: supportsSpacing(sampler, get().spacing) ? get().spacing : samplerInfo(sampler).spacings[0] });
    },
    setSpacing: (spacing) => {
      if (supportsSpacing(get().sampler, spacing)) set({ spacing });
    },
    setEta: (eta) => set({ eta: clampTo('eta', eta, false) }),
    setStartFrom: (startFrom) => {
      if (START_MODES.includes(startFrom)) set({ startFrom });
    },
    setStrength: (strength) => set({ strength: clampTo('strength', strength, false) }),
    setKeepHalf: (keepHalf) => {
      if (!KEEP_CHOICES.includes(keepHalf)) return;
      if (keepHalf === 'mask' && !get().paintedMask) {
        const side = get().manifest?.resolution ?? 64;
        get().setPaintedMask(centreMask(side), side);
      }
      set({ keepHalf });
    },
  };
};
