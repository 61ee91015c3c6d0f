/** The forward-process panel: which clean image gets noised, and to which timestep. */
import type { StateCreator } from 'zustand';
import { defaultUrlState } from './url-state.ts';
import type { StoreState } from './store.ts';

/** A manifest sample by index, or the x̂0 of the latest generation. */
export type ForwardSource = { kind: 'sample'; index: number } | { kind: 'generated' };

export interface ForwardSlice {
  /** Forward-process timestep, 0..T-1. */
  forwardT: number;
  forwardSource: ForwardSource;
  /** The selected clean image, [3, H, W] in [-1, 1], once loaded (null before); img2img and inpaint start from it. */
  forwardImage: Float32Array | null;
  setForwardT(t: number): void;
  setForwardSource(source: ForwardSource): void;
  setForwardImage(image: Float32Array | null): void;
}

export const createForwardSlice: StateCreator<StoreState, [], [], ForwardSlice> = (set) => ({
  forwardT: defaultUrlState().t,
  forwardSource: { kind: 'sample', index: 0 },
  forwardImage: null,
  setForwardT: (t) => set({ forwardT: Number.isFinite(t) ? Math.min(999, Math.max(0, Math.round(t))) : 0 }),
  setForwardSource: (forwardSource) => set({ forwardSource }),
  setForwardImage: (forwardImage) => set({ forwardImage }),
});
