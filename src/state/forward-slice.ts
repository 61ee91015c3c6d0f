/** The forward-process panel: which clean image gets noised, and to which timestep. */
import type { StateCreator } from 'zustand';
import type { RunSettings } from '../settings/fields.ts';
import { defaultUrlState } from '../settings/fields.ts';
import type { StoreState } from './store.ts';

/** A manifest sample by index, or the image of a finished generation (see `forwardRun`). */
export type ForwardSource = { kind: 'sample'; index: number } | { kind: 'generated' } | { kind: 'upload' };

/** An image the person uploaded (it stays on their device: links cannot carry it). */
export interface ForwardUpload {
  name: string;
  /** [3, H, W] in [-1, 1] at the model's resolution. */
  image: Float32Array;
}

/**
 * The generation the forward panel's "generated" image comes from, pinned when chosen, so later runs
 * (an img2img run from it, a stopped run) leave it in place. From a link, `image` is null until the
 * page has rebuilt it by running `params` again.
 */
export interface ForwardRun {
  params: RunSettings;
  /** The run's finished image, [3, H, W] in [-1, 1]; null while a link's run is being rebuilt. */
  image: Float32Array | null;
}

export interface ForwardSlice {
  /** Forward-process timestep, 0..T-1: the page's one "where we are in t" (see timeline-slice). */
  forwardT: number;
  forwardSource: ForwardSource;
  /** Set while forwardSource is 'generated'. */
  forwardRun: ForwardRun | null;
  /** The last uploaded image (kept while other sources are shown, so switching back is free). */
  forwardUpload: ForwardUpload | null;
  /** Shows an uploaded image. */
  setForwardUpload(upload: ForwardUpload): void;
  /** The selected clean image, [3, H, W] in [-1, 1], once loaded (null before); img2img and inpaint start from it. */
  forwardImage: Float32Array | null;
  setForwardT(t: number): void;
  /** Choosing 'generated' pins the latest finished run (ignored when there is none). */
  setForwardSource(source: ForwardSource): void;
  /** A link's source run to rebuild: the panel shows 'generated' and waits for `completeForwardRun`. */
  expectForwardRun(params: RunSettings): void;
  /** The rebuilt image of the pending source run. */
  completeForwardRun(image: Float32Array): void;
  setForwardImage(image: Float32Array | null): void;
}

/** "3" → sample 3, "run" → generated, anything else → null. */
export function parseForwardSource(text: string): ForwardSource | null {
  if (text === 'run') return { kind: 'generated' };
  return /^\d{1,4}$/.test(text) ? { kind: 'sample', index: Number(text) } : null;
}

/** The URL's `src` value of a source ("upload" names an image no link can carry; reading it gives null). */
export function formatForwardSource(source: ForwardSource): string {
  return source.kind === 'generated' ? 'run' : source.kind === 'upload' ? 'upload' : String(source.index);
}

export const createForwardSlice: StateCreator<StoreState, [], [], ForwardSlice> = (set, get) => ({
  forwardT: defaultUrlState().t,
  forwardSource: { kind: 'sample', index: 0 },
  forwardRun: null,
  forwardUpload: null,
  setForwardUpload: (forwardUpload) => set({ forwardUpload, forwardSource: { kind: 'upload' }, forwardRun: null }),
  forwardImage: null,
  setForwardT: (t) => set({ forwardT: Number.isFinite(t) ? Math.min(999, Math.max(0, Math.round(t))) : 0 }),
  setForwardSource: (forwardSource) => {
    if (forwardSource.kind === 'sample') return set({ forwardSource, forwardRun: null });
    if (forwardSource.kind === 'upload') return get().forwardUpload ? set({ forwardSource, forwardRun: null }) : undefined;
    const last = get().lastResult;
    if (last) set({ forwardSource, forwardRun: { params: last.params, image: last.image } });
  },
  expectForwardRun: (params) => {
    const current = get().forwardRun;
    // The hash is read again on every hashchange: the same run keeps its image.
    if (current && JSON.stringify(current.params) === JSON.stringify(params)) return set({ forwardSource: { kind: 'generated' } });
    set({ forwardSource: { kind: 'generated' }, forwardRun: { params, image: null } });
  },
  completeForwardRun: (image) => {
    const run = get().forwardRun;
    if (run && !run.image) set({ forwardRun: { ...run, image } });
  },
  setForwardImage: (forwardImage) => set({ forwardImage }),
});
