/** The inpainting mask painted on the forward panel's image (keep = 'mask'); the halves need no state. */
import type { StateCreator } from 'zustand';
import { encodeMask } from '../diffusion/mask-codec.ts';
import type { StoreState } from './store.ts';

/** A painted mask: [side, side] with 1 = keep the source pixel, 0 = regenerate; `code` is its `mask` URL text. */
export interface PaintedMask {
  mask: Float32Array;
  side: number;
  code: string;
}

/** The store's share for the painted mask (see the module comment). */
export interface MaskSlice {
  /** The last mask painted (kept while a half is chosen, so switching back is free); null before any. */
  paintedMask: PaintedMask | null;
  /** Stores a mask; its URL text is computed here, once, not on every hash write. Wrong sizes are ignored. */
  setPaintedMask(mask: Float32Array, side: number): void;
  /** A stroke, rectangle, clear or invert from the editor: stores the mask and makes the next run inpaint with it. */
  applyPaintedMask(mask: Float32Array, side: number): void;
  /**
   * Once the model's resolution is known: a painted mask (from a link) of another size is dropped and
   * keep falls back to the left half. Returns the notice to show, or null when the mask fits.
   */
  fitPaintedMask(resolution: number): string | null;
}

/** The slice's initial state and actions, for store.ts. */
export const createMaskSlice: StateCreator<StoreState, [], [], MaskSlice> = (set, get) => ({
  paintedMask: null,
  setPaintedMask: (mask, side) => {
    if (!Number.isInteger(side) || side < 1 || mask.length !== side * side) return;
    set({ paintedMask: { mask, side, code: encodeMask(mask) } });
  },
  applyPaintedMask: (mask, side) => {
    get().setPaintedMask(mask, side);
    if (get().paintedMask?.mask === mask) set({ keepHalf: 'mask', startFrom: 'inpaint' });
  },
  fitPaintedMask: (resolution) => {
    const painted = get().paintedMask;
    if (!painted || painted.side === resolution) return null;
    set({ paintedMask: null, ...(get().keepHalf === 'mask' && { keepHalf: 'left' }) });
    return `mask: painted for a ${painted.side}x${painted.side} image, but the model works at ${resolution}x${resolution}; using left`;
  },
});
