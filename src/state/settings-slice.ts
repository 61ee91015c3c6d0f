/**
 * The settings of the next run, as the form shows them: one RunSettings (src/settings/fields.ts), with
 * the names and types a link uses, changed through one action that keeps them valid. The painted
 * inpainting mask is `settings.mask` (its link text), decoded on demand by selectPaintedMask.
 */
import type { StateCreator } from 'zustand';
import { decodeSquareMask, encodeMask } from '../diffusion/mask-codec.ts';
import { centreMask } from '../diffusion/mask-paint.ts';
import { samplerInfo, supportsSpacing } from '../diffusion/sampler.ts';
import { clampNumber, fieldOf, runSettings, type RunKey, type RunSettings } from '../settings/fields.ts';
import type { StoreState } from './store.ts';

export interface SettingsSlice {
  /** What Generate runs (the link mirrors it). */
  settings: RunSettings;
  /**
   * Changes some settings. Numbers are clamped to their field's range (NaN gives its default), an enum
   * value the field does not list is ignored, a spacing the sampler cannot run is ignored (and a new
   * sampler falls back to its first spacing), and keep = 'mask' with nothing painted yet starts from a
   * centre square to regenerate.
   */
  updateSettings(change: Partial<RunSettings>): void;
  /** A stroke, rectangle, clear or invert from the editor: stores the mask ([side, side], 1 = keep) and makes the next run inpaint with it. */
  applyPaintedMask(mask: Float32Array, side: number): void;
  /**
   * Once the model's resolution is known: a painted mask (from a link) of another size is dropped and
   * keep falls back to the left half. Returns the notice to show, or null when the mask fits.
   */
  fitPaintedMask(resolution: number): string | null;
}

/** A painted mask decoded: [side, side] with 1 = keep the source pixel, 0 = regenerate. */
export interface PaintedMask {
  mask: Float32Array;
  side: number;
}

let decoded: { code: string; mask: PaintedMask | null } = { code: '', mask: null };

/** The painted mask (settings.mask decoded, the same object while it is unchanged), or null when none is painted. */
export function selectPaintedMask(s: Pick<StoreState, 'settings'>): PaintedMask | null {
  const code = s.settings.mask;
  if (decoded.code !== code) {
    let mask: PaintedMask | null = null;
    try {
      mask = code === '' ? null : decodeSquareMask(code);
    } catch {
      mask = null; // only checked text gets here (links are read by url-state, the editor encodes)
    }
    decoded = { code, mask };
  }
  return decoded.mask;
}

/** `change` applied to `prev` under updateSettings's rules; `side` is the model's resolution (for a default mask). */
export function changedSettings(prev: RunSettings, change: Partial<RunSettings>, side: number): RunSettings {
  const next = { ...prev } as Record<RunKey, unknown>;
  for (const [key, value] of Object.entries(change) as [RunKey, unknown][]) {
    if (value === undefined) continue;
    const field = fieldOf(key);
    if (field.type === 'int' || field.type === 'float') next[key] = clampNumber(key, value as number);
    else if (field.type === 'enum') {
      if (field.values.includes(value as string)) next[key] = value;
    } else next[key] = value;
  }
  const s = next as RunSettings;
  // The spacing asked for if the sampler runs it, else the one before if it does, else the sampler's first.
  const spacing = [change.spacing, prev.spacing].find((x) => x !== undefined && supportsSpacing(s.sampler, x));
  s.spacing = spacing ?? samplerInfo(s.sampler).spacings[0];
  if (s.keep === 'mask' && s.mask === '') s.mask = encodeMask(centreMask(side));
  return s;
}

export const createSettingsSlice: StateCreator<StoreState, [], [], SettingsSlice> = (set, get) => ({
  settings: runSettings(),
  updateSettings: (change) => set({ settings: changedSettings(get().settings, change, get().manifest?.resolution ?? 64) }),
  applyPaintedMask: (mask, side) => {
    if (!Number.isInteger(side) || side < 1 || mask.length !== side * side) return;
    set({ settings: { ...get().settings, mask: encodeMask(mask), keep: 'mask', start: 'inpaint' } });
  },
  fitPaintedMask: (resolution) => {
    const painted = selectPaintedMask(get());
    if (!painted || painted.side === resolution) return null;
    const { settings } = get();
    set({ settings: { ...settings, mask: '', keep: settings.keep === 'mask' ? 'left' : settings.keep } });
    return `mask: painted for a ${painted.side}x${painted.side} image, but the model works at ${resolution}x${resolution}; using left`;
  },
});
