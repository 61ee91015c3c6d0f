/**
 * One timeline for the page: the reverse view's shown step and the forward panel's t move together,
 * and a finished run can be replayed (play / pause / step, at a chosen speed). The replay timer lives in
 * the UI (ui/use-playback.ts); this slice only holds the state and the moves.
 */
import type { StateCreator } from 'zustand';
import { nearestIndex } from '../diffusion/schedule-curves.ts';
import type { StoreState } from './store.ts';

/** Replay speeds offered, in steps per second. */
export const PLAY_SPEEDS = [2, 5, 10, 20] as const;

export interface TimelineSlice {
  /** Whether a finished run is being replayed. */
  playing: boolean;
  /** Replay speed, steps per second (one of PLAY_SPEEDS). */
  playSpeed: number;
  /** Shows reverse step `index` (0-based) and moves the forward panel to that step's t. */
  showStep(index: number): void;
  /** Moves the forward panel to `t` and the reverse view to the step whose t is nearest. */
  scrubForwardT(t: number): void;
  /** Steps the reverse view by `delta` (±1), clamped; pauses a replay. */
  stepBy(delta: number): void;
  /** Starts a replay (from the first step when at the last) or pauses it; only for a run that is not running. */
  togglePlay(): void;
  /** One replay tick: the next step, or pause at the last. */
  advance(): void;
  pause(): void;
  setPlaySpeed(speed: number): void;
}

/** The index the reverse view shows (the latest frame when following). */
export function shownIndex(s: Pick<StoreState, 'viewIndex' | 'frames'>): number {
  return s.viewIndex ?? s.frames.length - 1;
}

export const createTimelineSlice: StateCreator<StoreState, [], [], TimelineSlice> = (set, get) => ({
  playing: false,
  playSpeed: 10,
  showStep: (index) => {
    const s = get();
    const frame = s.frames[Math.min(s.frames.length - 1, Math.max(0, Math.round(index)))];
    if (!frame) return;
    s.setViewIndex(frame.index);
    s.setForwardT(Math.max(0, frame.t)); // Karras steps have fractional t; the forward panel rounds
  },
  scrubForwardT: (t) => {
    const s = get();
    s.setForwardT(t);
    const index = nearestIndex(s.frames.map((f) => f.t), get().forwardT);
    if (index >= 0) s.setViewIndex(index);
  },
  stepBy: (delta) => {
    const s = get();
    if (s.frames.length === 0) return;
    set({ playing: false });
    s.showStep(shownIndex(s) + delta);
  },
  togglePlay: () => {
    const s = get();
    if (s.playing) return set({ playing: false });
    if (s.generationStatus === 'running' || s.frames.length < 2) return;
    if (shownIndex(s) >= s.frames.length - 1) s.showStep(0);
    set({ playing: true });
  },
  advance: () => {
    const s = get();
    const next = shownIndex(s) + 1;
    if (next >= s.frames.length) return set({ playing: false });
    s.showStep(next);
    if (next === s.frames.length - 1) set({ playing: false });
  },
  pause: () => set({ playing: false }),
  setPlaySpeed: (speed) => {
    if ((PLAY_SPEEDS as readonly number[]).includes(speed)) set({ playSpeed: speed });
  },
});
