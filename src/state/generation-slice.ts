/** The reverse process as the page sees it: the frames of the current generation and its status. */
import type { StateCreator } from 'zustand';
import type { RunSettings } from '../settings/fields.ts';
import type { StepEvent } from '../worker/protocol.ts';
import type { StoreState } from './store.ts';

/** One denoising step as received from the worker, less its request id and U-Net time. Arrays are [3, H, W] float32. */
export type Frame = Omit<StepEvent, 'type' | 'id' | 'unetMs'>;

export type GenerationStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

/** The latest generation that ran to the end: its finished image ([3, H, W] in [-1, 1]) and settings. */
export interface GenerationResult {
  id: number;
  image: Float32Array;
  params: RunSettings;
}

export interface GenerationSlice {
  /** Request id of the generation shown (the latest one asked for). */
  generationId: number | null;
  generationStatus: GenerationStatus;
  /** Settings of the current generation; its step count is the number of frames to expect. */
  generationParams: RunSettings | null;
  /** Frames received so far, in step order. */
  frames: Frame[];
  /** Frame shown when rewinding; null follows the latest frame. */
  viewIndex: number | null;
  generationError: string | null;
  /** Worker milliseconds for the whole generation, once done. */
  generationMs: number | null;
  /** Kept when later runs are stopped or fail, so "the image just generated" outlives them. */
  lastResult: GenerationResult | null;
  /** Why the shown run started by itself (on load, from a link), or null for a run the person started. */
  runNote: string | null;
  startGeneration(id: number, params: RunSettings): void;
  /** Ignored unless `id` is the current generation (a late frame of a replaced run). */
  addFrame(id: number, frame: Frame): void;
  completeGeneration(id: number, ms: number): void;
  cancelGeneration(id: number): void;
  failGeneration(id: number, message: string): void;
  /** The worker running it is gone: a running generation ends as failed, keeping the frames it showed. */
  interruptGeneration(): void;
  setViewIndex(index: number | null): void;
  /** Shows a finished run again (from the history) under `id`, a number no worker request uses. */
  showRun(id: number, params: RunSettings, frames: Frame[]): void;
  setRunNote(note: string | null): void;
}

export const createGenerationSlice: StateCreator<StoreState, [], [], GenerationSlice> = (set, get) => {
  const isCurrent = (id: number) => get().generationId === id;
  return {
    generationId: null,
    generationStatus: 'idle',
    generationParams: null,
    frames: [],
    viewIndex: null,
    generationError: null,
    generationMs: null,
    lastResult: null,
    runNote: null,
    startGeneration: (id, params) =>
      set({
        generationId: id,
        generationStatus: 'running',
        generationParams: { ...params },
        frames: [],
        viewIndex: null,
        generationError: null,
        generationMs: null,
        runNote: null,
        playing: false,
      }),
    addFrame: (id, frame) => {
      if (isCurrent(id)) set((s) => ({ frames: [...s.frames, frame] }));
    },
    completeGeneration: (id, ms) => {
      if (!isCurrent(id)) return;
      const { frames, generationParams } = get();
      const last = frames.at(-1);
      const lastResult = last && generationParams ? { id, image: last.final ?? last.x0, params: generationParams } : get().lastResult;
      set({ generationStatus: 'done', generationMs: ms, lastResult });
    },
    cancelGeneration: (id) => {
      if (isCurrent(id) && get().generationStatus === 'running') set({ generationStatus: 'cancelled' });
    },
    failGeneration: (id, message) => {
      if (isCurrent(id)) set({ generationStatus: 'error', generationError: message });
    },
    interruptGeneration: () => {
      if (get().generationStatus === 'running') set({ generationStatus: 'error' });
    },
    showRun: (id, params, frames) =>
      set({ generationId: id, generationStatus: 'done', generationParams: { ...params }, frames, viewIndex: null, generationError: null, generationMs: null, runNote: null, playing: false }),
    setViewIndex: (index) => {
      const last = get().frames.length - 1;
      set({ viewIndex: index === null || index >= last ? null : Math.max(0, Math.round(index)) });
    },
    setRunNote: (runNote) => set({ runNote }),
  };
};
